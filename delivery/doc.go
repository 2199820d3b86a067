// Package delivery sends what the notify context has to say to the outside
// world: webhook notifications from the outbox, and messages to people.
//
// # Webhooks
//
// The outbox (postgres.Outbox) writes one River job per notification in the
// same transaction as the change it announces. The River client built by
// NewRiverClient works those jobs: each attempt POSTs the JSON payload to the
// endpoint URL with
//
//	Content-Type: application/json        (when there is a body)
//	<the endpoint's static headers>
//	webhook-id: <event id>                (32 characters, the same on every retry)
//	webhook-timestamp: <unix seconds of this attempt>
//	User-Agent: loyaltygraph-webhooks/1
//
// within a 15 s timeout, without following redirects (a 3xx is a failure),
// and over connections that refuse loopback, private, link-local and other
// non-public addresses (after DNS resolution) unless AllowPrivate is set. A
// 2xx answer delivers the notification; anything else fails the attempt and
// River retries it. Delivery is at least once: a receiver should use the
// webhook-id to drop duplicates.
//
// Before sending, an attempt reads the event's delivery record and sends
// nothing when it says delivered: River marks jobs complete in batches
// (every 50 ms), so a process killed right after a 2xx leaves jobs whose
// notification went out still "running", and they are run again. The record
// is written right after the answer, so only a kill between the receiver's
// answer and that write (about a millisecond) can still send twice.
//
// A process killed mid-delivery leaves its jobs running in the database.
// Runner (which serve uses) beats for its River client every second in
// delivery_workers; every runner, every second, makes the running jobs of a
// process silent for 4 s available again at once (or discards them when
// they have used their last attempt), and resigns River's leadership for a
// dead leader, so that retries fall due and River's own maintenance resumes
// at once instead of after the dead leader's term (up to 15 s). The first
// retry of a delivery cut by a crash thus comes about 5 s after it. River's
// own rescuer remains as a backstop for processes that never beat: it gives
// back jobs running longer than RescueAfter (Timeout + 12 s by default) every
// 30 s.
//
// Retries follow WEBHOOK_RETRY_SCHEDULE (Config.RetrySchedule; see
// ParseRetrySchedule): the waits after the first, second, … failed attempt,
// each times a random factor in [0.8, 1.2); its length is the number of
// retries. The default, DefaultRetrySchedule, is exponential backoff: after
// the n-th failed attempt the next waits 10 s·2^(n-1), capped at 6 h. The
// first 12 waits add up to 10 s·(2^12−1) ≈ 11.4 h, the next 10 waits are
// capped at 6 h (60 h), so the 23rd and last attempt comes about 71.4 h —
// about three days — after the first. Then the delivery is marked failed.
// Without a schedule, Config.RetryBase, RetryCap and MaxAttempts give the
// same exponential backoff (tests use short ones).
//
// Every attempt updates the notification_deliveries row of the event
// (attempt number, state, last HTTP status, last error), which owners read
// through notify.Service.ListDeliveries. A periodic job removes deliveries and
// sent messages older than Config.Retention.
//
// # Live events (subscriptions)
//
// Every receipt and card event, and every settlement batch and settle run,
// also becomes a job of the "live" queue (postgres.LiveArgs), written by the
// outbox in the same transaction whether or not a webhook endpoint wants
// it. The live worker of whichever replica takes the job publishes it once
// on the Redis channel lg:live (Publisher, redis.LiveFeed); every replica's
// feed hears it and hands it to its own matching subscriptions. Delivery to
// subscribers is at most once: a subscriber that is not connected, or a
// replica whose pub/sub connection is reconnecting, misses the event (the
// webhook outbox is the at-least-once path). The River client is fetched
// from as soon as an insert is announced (LISTEN/NOTIFY), and polls every
// 500 ms when an announcement is missed.
//
// # Messages to people
//
// Messages (SMS with one-time passwords and signup links, e-mails) are
// queued, not sent on the request: postgres.MessageQueue writes one River
// job per message, in the transaction of the change that causes it (a
// signup, a phone change) or in one of its own (one-time passwords), with
// the body sealed with the server key. The message worker opens the body
// and hands the message to the configured notify.Sender; a failed send is
// retried after min(RetryBase, 2 s)·2^(n-1), capped at 1 minute, with
// jitter, for 12 attempts (about ten minutes: codes live five), then
// dropped. A failing gateway therefore delays a message without failing the
// request that caused it.
//
// LogSender, the development sender (LG_ENV=dev: make run and tests),
// writes each message as one JSON log line with its recipient, channel and
// body, and stores it in sent_messages so that admins can read it through
// GraphQL (sentMessages). Outside development the only log sender is
// NewRedactingLogSender (SMS_SENDER=log), which replaces links and codes
// with [link] and [code] in the log line and in sent_messages.
//
// SMSGatewaySender sends SMS through an HTTP gateway. It is used when
// SMS_GATEWAY_URL is set; it never logs message bodies. The contract:
//
//	POST $SMS_GATEWAY_URL
//	Authorization: Bearer $SMS_GATEWAY_TOKEN   (omitted when the token is empty)
//	Content-Type: application/json
//	Accept: application/json
//	Idempotency-Key: <one per message, the same on every retry>
//
//	{"to": "4511111111", "body": "Your code is 123456"}
//
// "to" is the MSISDN: country code and number, digits only. "body" is UTF-8
// text. Any 2xx status means the gateway accepted the message; the response
// body is ignored. Any other status, a redirect, or no answer within 10 s is
// a failure: Send returns an unavailable error and the message worker tries
// again later with the same Idempotency-Key; a gateway that sees the same
// Idempotency-Key twice should send the message once.
package delivery
