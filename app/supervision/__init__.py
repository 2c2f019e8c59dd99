"""Supervision (质量监管): reproducible stratified sampling of calls, scoring, scorecards."""
