-- Emailing a push's link goes through the notification outbox: one delivery per recipient
-- (channel 'link_email'), so each mail is claimed, retried and never sent twice by two processes like
-- any notification. The delivery names the request (push_link_emails, which holds the sealed
-- recipients and, for end-to-end pushes sent whole, the sealed link) and the recipient's position in it.
ALTER TABLE notification_deliveries ADD COLUMN link_email_id BIGINT REFERENCES push_link_emails (id) ON DELETE CASCADE;
ALTER TABLE notification_deliveries ADD COLUMN recipient_index INTEGER;
CREATE INDEX notification_deliveries_by_link_email ON notification_deliveries (link_email_id) WHERE link_email_id IS NOT NULL;
