-- The realtime schema of a tenant database (docs/PROTOCOL.md §4 "From the database", §7): messages
-- partitioned by day with RLS on, realtime.topic(), send/send_binary, broadcast_changes, and the
-- publications ingest-cdc replicates.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE SCHEMA IF NOT EXISTS realtime;

CREATE TABLE IF NOT EXISTS realtime.messages (
  topic text NOT NULL,
  extension text NOT NULL CHECK (extension IN ('broadcast', 'presence')),
  payload jsonb,
  event text,
  private boolean DEFAULT false,
  binary_payload bytea,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  inserted_at timestamp NOT NULL DEFAULT now(),
  updated_at timestamp NOT NULL DEFAULT now(),
  CONSTRAINT messages_one_payload CHECK (payload IS NULL OR binary_payload IS NULL),
  PRIMARY KEY (id, inserted_at)
) PARTITION BY RANGE (inserted_at);
ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;

CREATE OR REPLACE FUNCTION realtime.topic() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('realtime.topic', true), '')::text $$;

-- Daily partitions from yesterday through +3 days; those older than 72 hours go.
CREATE OR REPLACE FUNCTION realtime.ensure_message_partitions() RETURNS void LANGUAGE plpgsql AS $$
DECLARE d date; name text; r record;
BEGIN
  FOR d IN SELECT generate_series(current_date - 1, current_date + 3, interval '1 day')::date LOOP
    name := 'messages_' || to_char(d, 'YYYY_MM_DD');
    IF to_regclass('realtime.' || name) IS NULL THEN
      EXECUTE format('CREATE TABLE realtime.%I PARTITION OF realtime.messages FOR VALUES FROM (%L) TO (%L)', name, d, d + 1);
    END IF;
  END LOOP;
  FOR r IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'realtime.messages'::regclass AND c.relname ~ '^messages_\d{4}_\d{2}_\d{2}$'
             AND to_date(substr(c.relname, 10), 'YYYY_MM_DD') < (now() - interval '72 hours')::date - 1 LOOP
    EXECUTE format('DROP TABLE realtime.%I', r.relname);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION realtime.send(payload jsonb, event text, topic text, private boolean DEFAULT true) RETURNS void LANGUAGE plpgsql AS $$
DECLARE generated_id uuid := gen_random_uuid();
BEGIN
  BEGIN
    PERFORM set_config('realtime.topic', topic, true);
    INSERT INTO realtime.messages (id, payload, event, topic, private, extension)
    VALUES (generated_id, CASE WHEN payload ? 'id' THEN payload ELSE payload || jsonb_build_object('id', generated_id) END, event, topic, private, 'broadcast');
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'WarnSendingBroadcastMessage: %', SQLERRM;
  END;
END $$;

CREATE OR REPLACE FUNCTION realtime.send_binary(payload bytea, event text, topic text, private boolean DEFAULT true) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    PERFORM set_config('realtime.topic', topic, true);
    INSERT INTO realtime.messages (binary_payload, event, topic, private, extension) VALUES (payload, event, topic, private, 'broadcast');
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'WarnSendingBroadcastMessage: %', SQLERRM;
  END;
END $$;

CREATE OR REPLACE FUNCTION realtime.broadcast_changes(topic_name text, event_name text, operation text, table_name text, table_schema text, new record, old record, level text DEFAULT 'ROW')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF level = 'STATEMENT' THEN
    RAISE EXCEPTION 'function can only be triggered for each row, not for each statement';
  END IF;
  PERFORM realtime.send(
    jsonb_build_object('old_record', CASE WHEN old IS NULL THEN NULL ELSE to_jsonb(old) END, 'record', CASE WHEN new IS NULL THEN NULL ELSE to_jsonb(new) END,
                       'operation', operation, 'table', table_name, 'schema', table_schema),
    event_name, topic_name);
END $$;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
    CREATE PUBLICATION supabase_realtime;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime_messages_publication') THEN
    CREATE PUBLICATION supabase_realtime_messages_publication FOR TABLE realtime.messages WITH (publish_via_partition_root = true);
  END IF;
END $$;

-- Supabase's API roles, when the database has them, may use the schema under the RLS policies users write.
DO $$ DECLARE r text; BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('GRANT USAGE ON SCHEMA realtime TO %I', r);
      EXECUTE format('GRANT SELECT, INSERT, UPDATE ON realtime.messages TO %I', r);
      EXECUTE format('GRANT EXECUTE ON FUNCTION realtime.topic(), realtime.send(jsonb, text, text, boolean) TO %I', r);
    END IF;
  END LOOP;
END $$;
