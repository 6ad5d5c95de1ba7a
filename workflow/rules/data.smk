from nnstudies.data import DataError, check_prepared, raw_paths, verify_raw

RAW = [str(p) for p in raw_paths(CFG["data"]["root"], DATASET)]

# Checked before any job is scheduled, so that a bad input stops the run before a job that
# uses it deletes its outputs: raw files present must be the dataset's published ones (SHA-256),
# and a prepared file present must be the one that was written (its recorded SHA-256).
try:
    if all(Path(p).exists() for p in RAW):
        verify_raw(CFG["data"]["root"], DATASET, CFG["data"].get("offline_dir"))
    check_prepared(PREPARED, DATA_INFO)
except DataError as err:
    raise WorkflowError(str(err))


rule fetch_raw:
    """The dataset's raw files from its own offline copy, else torchvision; SHA-256 verified."""
    output:
        RAW,
    params:
        # Not data.offline_dir: where the files come from does not change them (their SHA-256
        # is pinned), so pointing it elsewhere must not redo the split and every run.
        dataset=DATASET,
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    log:
        f"{LOGS}/fetch_raw_{DATASET}.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/fetch_raw.py"


rule prepare_data:
    """Verified raw files through torchvision's loader, stratified validation split, checksums."""
    input:
        # Not ancient(): with it, Snakemake 9.27 left this job and all after it out of the DAG
        # whenever fetch_raw had to rerun (seen on a dry run: 1 job instead of 37).
        raw=RAW,
        code=f"{PACKAGE}/data.py",
    output:
        arrays=PREPARED,
        info=DATA_INFO,
    params:
        # Only what defines the split: changing the data root or scaling does not redo it.
        data={
            k: CFG["data"].get(k)
            for k in (
                "dataset",
                "classes",
                "val_fraction",
                "split_seed",
                "train_subset",
                "test_subset",
            )
        },
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    log:
        f"{LOGS}/prepare_data.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/prepare_data.py"
