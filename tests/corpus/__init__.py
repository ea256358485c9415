"""The labelled extraction corpus: one folder per case; build.py writes them."""
