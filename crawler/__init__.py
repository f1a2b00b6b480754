"""Capture the legacy site into archival-grade WARC files with Scrapy and warcio."""
