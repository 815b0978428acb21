-- Message partitions planned from a given time (docs: services/tenant-admin/README.md "Message
-- partitions"). 0001's version read the clock itself and only ran with migrations; the partition
-- keeper calls this one every hour with its own clock, and tests pass a clock a week ahead.
-- Several tenant-admin instances may call it at once: the first takes a transaction-scoped
-- advisory lock and the others return at once (the work is the same), so creating or dropping a
-- partition never races with itself.
DROP FUNCTION IF EXISTS realtime.ensure_message_partitions();

CREATE FUNCTION realtime.ensure_message_partitions(at timestamptz DEFAULT now()) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  -- inserted_at is a timestamp in the session's time zone (DEFAULT now()), so days are cut in it too.
  today date := at::date;
  -- A day's partition holds [d, d+1); it goes once all of it is older than 72 hours.
  cutoff date := (at - interval '72 hours')::date;
  d date; name text; r record;
BEGIN
  IF NOT pg_try_advisory_xact_lock(7331002) THEN
    RETURN;
  END IF;
  FOR d IN SELECT generate_series(today - 1, today + 3, interval '1 day')::date LOOP
    name := 'messages_' || to_char(d, 'YYYY_MM_DD');
    IF to_regclass('realtime.' || name) IS NULL THEN
      EXECUTE format('CREATE TABLE realtime.%I PARTITION OF realtime.messages FOR VALUES FROM (%L) TO (%L)', name, d, d + 1);
    END IF;
  END LOOP;
  FOR r IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'realtime.messages'::regclass AND c.relname ~ '^messages_\d{4}_\d{2}_\d{2}$'
             AND to_date(substr(c.relname, 10), 'YYYY_MM_DD') < cutoff LOOP
    EXECUTE format('DROP TABLE IF EXISTS realtime.%I', r.relname);
  END LOOP;
END $$;
