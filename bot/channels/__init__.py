"""Channels: how people and staff reach the service (the local console, Telegram)."""
