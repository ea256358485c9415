import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.test import get_crawler

from crawler.middlewares import AllowedNetworksMiddleware


def middleware(networks):
    crawler = get_crawler(settings_dict={"DISCLOSURE_ALLOWED_NETWORKS": networks})
    return AllowedNetworksMiddleware.from_crawler(crawler), crawler


def test_requests_inside_the_allowed_network_pass():
    mw, _ = middleware(["127.0.0.1/32"])
    assert mw.process_request(Request("http://127.0.0.1:8000/xxgk/index.html")) is None
    assert mw.process_request(Request("http://localhost:8000/")) is None


def test_requests_to_other_addresses_are_refused_before_sending():
    mw, crawler = middleware(["127.0.0.1/32"])
    with pytest.raises(IgnoreRequest, match="127.0.0.2 is outside"):
        mw.process_request(Request("http://127.0.0.2:8000/xxgk/index.html"))
    assert crawler.stats.get_value("disclosure/refused_network") == 1


def test_no_restriction_means_the_middleware_is_off():
    with pytest.raises(NotConfigured):
        AllowedNetworksMiddleware.from_crawler(get_crawler(settings_dict={}))
