"""Test machinery loaded as pytest plugins: a real SMTP server, real Celery workers
and the real web process."""
