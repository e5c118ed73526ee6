-- Schema version 1: our tables beside Hangfire's (schema "hangfire"). Hangfire carries work items between machines;
-- these tables hold what LongRopeSearch itself must know: who can work, which jobs exist, and every finished
-- evaluation exactly once.

-- One row per worker process. "signatures" are the numerics signatures (engine numerics version + model
-- fingerprint) whose evaluation queues the worker listens to; a job's evaluations go only to those queues.
CREATE TABLE longrope.workers (
    id               text PRIMARY KEY,             -- host:pid:start-ticks, unique per process
    host             text NOT NULL,
    pid              integer NOT NULL,
    cores            integer NOT NULL,
    simd             text NOT NULL,                -- e.g. "avx512", "avx2"
    numerics_version text NOT NULL,
    model_fingerprints text[] NOT NULL,
    signatures       text[] NOT NULL,
    started_at       timestamptz NOT NULL,
    last_heartbeat   timestamptz NOT NULL,
    busy_on          text,                         -- "job/stage/candidate" of the evaluation in hand, or NULL
    evaluations_done bigint NOT NULL DEFAULT 0,
    stopped_at       timestamptz                   -- set by a clean shutdown; a dead worker just stops heartbeating
);

-- One row per job submitted to the cluster: its spec and the progress a status view shows.
CREATE TABLE longrope.jobs (
    id           text PRIMARY KEY,
    spec         jsonb NOT NULL,
    status       text NOT NULL,                    -- queued | running | done | failed | cancelled
    stage        text,
    generation   integer,
    best_ppl     double precision,
    eta_seconds  double precision,
    error        text,
    coordinator  text,                             -- worker id of the coordinator holding the job's lease
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Every finished evaluation, once: the primary key makes a redelivered or duplicated evaluation a no-op.
CREATE TABLE longrope.evaluations (
    job_id         text NOT NULL REFERENCES longrope.jobs (id) ON DELETE CASCADE,
    stage          text NOT NULL,
    candidate_id   bigint NOT NULL,
    factor_key     text NOT NULL,
    per_sample_nll double precision[] NOT NULL,    -- [samples scored]; fewer than the stage's samples when abandoned
    mean_nll       double precision NOT NULL,
    abandoned      boolean NOT NULL,
    seconds        double precision NOT NULL,
    worker_id      text NOT NULL,
    finished_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, stage, candidate_id)
);

-- Evaluations that failed on their last attempt (Hangfire's retries exhausted): the coordinator marks the job failed.
CREATE TABLE longrope.evaluation_failures (
    job_id       text NOT NULL REFERENCES longrope.jobs (id) ON DELETE CASCADE,
    stage        text NOT NULL,
    candidate_id bigint NOT NULL,
    attempts     integer NOT NULL,
    error        text NOT NULL,
    worker_id    text,
    failed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, stage, candidate_id)
);
