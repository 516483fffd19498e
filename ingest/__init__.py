"""Intake: raw CRM records and notes turned into validated domain records."""
