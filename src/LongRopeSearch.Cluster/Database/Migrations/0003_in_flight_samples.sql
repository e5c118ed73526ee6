-- Schema version 3: the finished samples of each evaluation in flight, so an evaluation whose worker dies is
-- continued by the next worker after them instead of from sample 0 (at 128k on a 7B model a sample is hours).
-- A worker writes the row after every sample it finishes with more to do; the worker that records the evaluation's
-- result deletes it in the same statement. A leftover row (a duplicate copy still running after the result was
-- recorded) is never read: a worker skips an evaluation already recorded before it looks here.
CREATE TABLE longrope.evaluations_in_flight (
    job_id       text NOT NULL REFERENCES longrope.jobs (id) ON DELETE CASCADE,
    stage        text NOT NULL,
    candidate_id bigint NOT NULL,
    factor_key   text NOT NULL,                    -- the candidate's factors: sums of other factors are never resumed
    sample_steps integer[] NOT NULL,               -- [samples finished] prefix steps of each (the stage's step count)
    nll_sums     double precision[] NOT NULL,      -- [sum of sample_steps] each finished sample's NLL sum at each step end, sample after sample
    worker_id    text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, stage, candidate_id)
);
