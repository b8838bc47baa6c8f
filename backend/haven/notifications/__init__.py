"""Notifications: the in-app inbox of each person, and email through SMTP when configured.

Other domains call :func:`haven.notifications.service.notify` with a short, content-free
title ("You have a new support request") and a link into the web client; never the
content of a confidential record, because a notification can be read over a shoulder and
an email leaves the hospital's systems. Emails are written to an outbox in the caller's
transaction and sent afterwards by :func:`service.deliver_pending_emails` (never inside a
request's transaction); several processes may deliver at once (rows are claimed with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL).

Who may call: every signed-in person reads and marks their own notifications only.
"""
