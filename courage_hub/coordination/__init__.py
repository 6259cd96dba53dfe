"""The KI's view of the whole Kreis: dashboard, queues, exports and reminders."""
