-- A rules version is a cause too (issue 16): a server started with a
-- rules version the store had not recorded queues a re-evaluation job for
-- it, and the changes it finds name it. A layer cause keeps cause_rules
-- ''; a rules cause has cause_layer '' and cause_version 0.
ALTER TABLE reeval_jobs ADD COLUMN cause_rules text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE reeval_jobs DROP CONSTRAINT reeval_jobs_cause_layer_cause_version_key;
ALTER TABLE reeval_jobs ADD UNIQUE (cause_layer, cause_version, cause_rules);
ALTER TABLE decision_changes ADD COLUMN cause_rules text COLLATE "C" NOT NULL DEFAULT '';
