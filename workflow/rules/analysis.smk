# One analysis rule per study, all made the same way from the study's module (studies/*.py):
# its per-run files in, its tables, figures and facts file out. `params` holds exactly the
# configuration the study reads, so an edit to it (a model's layers, say) reruns the analysis.
for study in STUDIES:

    rule:
        name:
            f"analyse_{study}"
        input:
            **BY_NAME[study].inputs(CFG, run_files),
            data=prepared(study),
            data_info=prepared_info(study),
            code=study_code(study),
        output:
            **analysis_outputs(study),
        log:
            f"{LOGS}/analyse_{study}.log",
        benchmark:
            f"{BENCH}/analyse_{study}.tsv"
        conda:
            "../../envs/workflow.yaml"
        threads: CFG["train"]["threads"]
        resources:
            mem_mb=LIGHT_MEM_MB,
            runtime=LIGHT_RUNTIME,
        params:
            study=study,
            settings=BY_NAME[study].params(CFG),
            caption=BY_NAME[study].CAPTION,
        script:
            "../scripts/analyse.py"


rule runs_table:
    """Every run of every study, one row each with its fate: tables/runs.csv."""
    input:
        [table_path(RESULTS, study, "runs") for study in TRAINING],
    output:
        f"{RESULTS}/tables/runs.csv",
    log:
        f"{LOGS}/runs_table.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    script:
        "../scripts/runs_table.py"
