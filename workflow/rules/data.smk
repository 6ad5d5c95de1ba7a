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
        root=CFG["data"]["root"],
        dataset=DATASET,
        offline_dir=CFG["data"].get("offline_dir"),
    log:
        f"{LOGS}/fetch_raw_{DATASET}.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/fetch_raw.py"


rule prepare_data:
    """Verified raw files through torchvision's loader, stratified validation split, checksums."""
    input:
        # Their content is pinned by SHA-256 (checked above and by the job), so a newer mtime
        # alone (a copied or re-extracted data folder) does not redo the split.
        raw=ancient(RAW),
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
    log:
        f"{LOGS}/prepare_data.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/prepare_data.py"
