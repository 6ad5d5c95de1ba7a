rule prepare_data:
    """Raw files through torchvision's loader, stratified validation split, raw checksums."""
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
