from nnstudies.data import DataError, check_prepared, verify_raw

# Checked before any job is scheduled, so that a bad input stops the run before a job that
# uses it deletes its outputs: raw files present must be the dataset's published ones (SHA-256),
# and a prepared file present must be the one that was written (its recorded SHA-256).
try:
    for dataset in DATASETS_USED:
        if all(Path(p).exists() for p in RAW[dataset]):
            verify_raw(CFG["data"]["root"], dataset, CFG["data"].get("offline_dir"))
    for name in DATA_SETTINGS:
        check_prepared(f"{RESULTS}/data/{name}.npz", f"{RESULTS}/data/{name}.json")
except DataError as err:
    raise WorkflowError(str(err))


for dataset in DATASETS_USED:

    rule:
        """The dataset's raw files from its own offline copy, else torchvision; SHA-256 verified."""
        name:
            f"fetch_raw_{dataset}"
        output:
            RAW[dataset],
        log:
            f"{LOGS}/fetch_raw_{dataset}.log",
        conda:
            "../../envs/workflow.yaml"
        threads: 1
        resources:
            mem_mb=LIGHT_MEM_MB,
            runtime=LIGHT_RUNTIME,
        params:
            # Not data.offline_dir: where the files come from does not change them (their
            # SHA-256 is pinned), so pointing it elsewhere must not redo the split and every run.
            dataset=dataset,
        script:
            "../scripts/fetch_raw.py"


rule prepare_data:
    """Verified raw files through torchvision's loader, stratified validation split, checksums."""
    input:
        # Not ancient(): with it, Snakemake 9.27 left this job and all after it out of the DAG
        # whenever fetch_raw had to rerun (seen on a dry run: 1 job instead of 37).
        raw=raw_of,
        code=[f"{PACKAGE}/data.py", f"{PACKAGE}/datasets.py"],  # DATASETS lives in datasets.py
    output:
        arrays=f"{RESULTS}/data/{{data}}.npz",
        info=f"{RESULTS}/data/{{data}}.json",
    log:
        f"{LOGS}/prepare_data_{{data}}.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    params:
        data=split_of,
    script:
        "../scripts/prepare_data.py"
