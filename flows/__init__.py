"""The pure core of pfa-bot: conversation flows, content and risk assessment.

Nothing in this package performs I/O beyond reading its own packaged data files at import,
and nothing here imports telegram, sqlalchemy or apscheduler.
"""
