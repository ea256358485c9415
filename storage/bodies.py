"""Publishing bodies in the archive: one row per organisation, found by credit code or name.

A body renamed, or written two ways, is one body: the same 统一社会信用代码, or the same
normalised name. Every printed name is kept in ``body_aliases``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from extract.bodies import (
    COUNTY_GOVERNMENT,
    Identifiers,
    body_kind,
    county_prefix,
    normalize_name,
    region_code,
)

from .models import Body, BodyAlias


class BodyDirectory:
    """The archive's bodies, loaded once, found and added by name and identifiers."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.by_id: dict[int, Body] = {b.id: b for b in session.scalars(select(Body))}
        self.by_name: dict[str, list[Body]] = defaultdict(list)
        self.names: set[tuple[int, str]] = set()
        for alias in session.scalars(select(BodyAlias).order_by(BodyAlias.id)):
            self.by_name[alias.normalized_name].append(self.by_id[alias.body_id])
            self.names.add((alias.body_id, alias.name))
        self.by_credit_code = {b.credit_code: b for b in self.by_id.values() if b.credit_code}
        self.created: list[Body] = []

    def resolve(self, name: str, identifiers: Identifiers, region: str | None = None) -> Body:
        """The body that printed ``name`` (with these identifiers), added if the archive has none."""
        normalized = normalize_name(name)
        body = self._find(normalized, identifiers)
        if body is None:
            body = Body(
                name=name,
                normalized_name=normalized,
                kind=body_kind(name),
                first_seen_at=self.now,
                updated_at=self.now,
            )
            self.session.add(body)
            self.session.flush()
            self.by_id[body.id] = body
            self.created.append(body)
        self._complete(body, identifiers, region)
        self._alias(body, name, normalized)
        return body

    def _find(self, normalized: str, identifiers: Identifiers) -> Body | None:
        if identifiers.credit_code and identifiers.credit_code in self.by_credit_code:
            return self.by_credit_code[identifiers.credit_code]
        candidates = self.by_name.get(normalized, [])
        if identifiers.credit_code:
            # a name shared by two organisations with different credit codes names two bodies
            candidates = [b for b in candidates if b.credit_code in (None, identifiers.credit_code)]
        return candidates[0] if candidates else None

    def _complete(self, body: Body, identifiers: Identifiers, region: str | None) -> None:
        """Fill identifiers the body lacks; never overwrite one it has."""
        changes = {
            "credit_code": identifiers.credit_code,
            "organization_code": identifiers.organization_code,
            "region": region or None,
            "region_code": region_code(region) or identifiers.region_code,
        }
        for field, value in changes.items():
            if value and getattr(body, field) is None:
                setattr(body, field, value)
                body.updated_at = self.now
        if body.credit_code:
            self.by_credit_code.setdefault(body.credit_code, body)

    def _alias(self, body: Body, name: str, normalized: str) -> None:
        if (body.id, name) in self.names:
            return
        self.session.add(BodyAlias(body_id=body.id, name=name, normalized_name=normalized, first_seen_at=self.now))
        self.names.add((body.id, name))
        if body not in self.by_name[normalized]:
            self.by_name[normalized].append(body)

    def link_parents(self, portals_of: Mapping[int, Iterable[str]]) -> None:
        """Give bodies without a parent county government the one their name prints ("淇县…" →
        the archive's "淇县人民政府"), else the one county government publishing on the same
        portal. ``portals_of``: the portals each body's reports are published on."""
        governments_on: dict[str, set[int]] = defaultdict(set)
        for body_id, portals in portals_of.items():
            if self.by_id[body_id].kind == COUNTY_GOVERNMENT:
                for portal in portals:
                    governments_on[portal].add(body_id)
        for body_id, portals in portals_of.items():
            body = self.by_id[body_id]
            if body.parent_body_id is not None or body.kind == COUNTY_GOVERNMENT:
                continue
            parent = self._named_county(body) or self._portal_county(body, portals, governments_on)
            if parent is not None and parent.id != body.id:
                body.parent_body_id = parent.id
                body.updated_at = self.now

    def _named_county(self, body: Body) -> Body | None:
        prefix = county_prefix(body.normalized_name)
        if prefix is None:
            return None
        found = [b for b in self.by_name.get(prefix + "人民政府", []) if b.kind == COUNTY_GOVERNMENT]
        return found[0] if found else None

    def _portal_county(self, body: Body, portals: Iterable[str], governments_on: Mapping[str, set[int]]) -> Body | None:
        candidates = set().union(*(governments_on.get(p, set()) for p in portals))
        return self.by_id[candidates.pop()] if len(candidates) == 1 else None
