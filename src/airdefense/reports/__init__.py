"""Reports of campaigns: one self-contained HTML file with tables and inline SVG plots."""

from airdefense.reports.html import build_report, write_report

__all__ = ["build_report", "write_report"]
