# One training rule per set of per-run files (trainers.py declares what each trainer writes and
# which rule runs it): "train" for torch runs, "train_numpy" for the NumPy trainers,
# "train_with_epoch_states" for a constant-rate run that a scheduled run continues from. Each
# rule's wildcards match its own runs only (run_constraint in common.smk).
for rule_name, spec in TRAINING_RULES.items():

    rule:
        name:
            rule_name
        input:
            data=train_data,
            reference=reference_curves,
            reference_states=reference_states,
            code=train_code,
        output:
            **{
                name.split(".")[
                    0
                ]: f"{RESULTS}/runs/{{study}}/{{run}}/seed{{seed}}/{name}"
                for name in spec["files"]
            },
        log:
            f"{LOGS}/train/{{study}}/{{run}}/seed{{seed}}.log",
        benchmark:
            f"{BENCH}/train/{{study}}/{{run}}/seed{{seed}}.tsv"
        wildcard_constraints:
            study="|".join(sorted(spec["runs"])),
            run=run_constraint(spec["runs"]),
        conda:
            "../../envs/workflow.yaml"
        threads: CFG["train"]["threads"]
        resources:
            gpu=1 if CFG["train"]["device"] != "cpu" and spec["gpu"] else 0,
            mem_mb=train_mem_mb,
            runtime=train_runtime,
        params:
            # only when not fp32: a new param would make Snakemake rerun every finished fp32 run
            **(
                {"precision": CFG["train"]["precision"]}
                if CFG["train"].get("precision", "fp32") != "fp32"
                else {}
            ),
            # what the run computes; how it runs (train.device, threads) is not a param: changing
            # it must not make Snakemake rerun (and first delete) every finished run
            run=run_spec,
            eval_batch=CFG["train"]["eval_batch"],
        message:
            "train {wildcards.study} {wildcards.run} seed {wildcards.seed}: per-step progress in {log}"
        script:
            "../scripts/train_run.py"
