"""What partner apps report: orders, refunds and member events."""
