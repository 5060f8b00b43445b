"""Test machinery loaded as pytest plugins: a real SMTP server and real Celery workers."""
