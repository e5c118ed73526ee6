-- Schema version 2: the rest of a candidate's score, so a worker's result is the in-process evaluator's whole
-- score. Prefix-first abandon needs the prefix sums: an abandoned result is checked against the generation's rule
-- with them, and a full one may become a later generation's threshold, whose rule compares prefixes with them.
-- Rows recorded before this version keep NULL / 0 (scored without prefix steps; the rule then compares per sample).
ALTER TABLE longrope.evaluations
    ADD COLUMN prefix_ends     integer[],                             -- [steps] the stage's step ends (positions, the last L - 1)
    ADD COLUMN prefix_steps    integer[],                             -- [samples started] steps reached in each sample
    ADD COLUMN prefix_nll_sums double precision[],                    -- [sum of prefix_steps] each sample's NLL sum at each step reached, sample after sample
    ADD COLUMN tokens          bigint NOT NULL DEFAULT 0,             -- token rows pushed through the model
    ADD COLUMN flops           double precision NOT NULL DEFAULT 0;   -- attention-weighted FLOPs (ForwardCost)
