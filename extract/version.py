"""The parser version stamped on every extraction. Bump it whenever output may change."""

PARSER_VERSION = "3"
