rule train:
    """One run (model, seed, protocol) of one study."""
    input:
        data=train_data,
        reference=reference_curves,
        reference_states=reference_states,
        code=train_code,
    output:
        curves=f"{RESULTS}/runs/{{study}}/{{run}}/seed{{seed}}/curves.csv",
        summary=f"{RESULTS}/runs/{{study}}/{{run}}/seed{{seed}}/summary.json",
        first_layer=f"{RESULTS}/runs/{{study}}/{{run}}/seed{{seed}}/first_layer.npy",
        unit_class_means=f"{RESULTS}/runs/{{study}}/{{run}}/seed{{seed}}/unit_class_means.npy",
        model=f"{RESULTS}/runs/{{study}}/{{run}}/seed{{seed}}/model.pt",
        # Written by every run, about 1 KB unless the run keeps its states for a scheduled
        # run: simpler than a second rule for reference runs (a copy of this one, kept apart
        # by ruleorder and wildcard constraints), and the DAG stays exact.
        epoch_states=f"{RESULTS}/runs/{{study}}/{{run}}/seed{{seed}}/epoch_states.pt",
    log:
        f"{LOGS}/train/{{study}}/{{run}}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/train/{{study}}/{{run}}/seed{{seed}}.tsv"
    conda:
        "../../envs/workflow.yaml"
    threads: CFG["train"]["threads"]
    resources:
        gpu=1 if CFG["train"]["device"] != "cpu" else 0,
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
