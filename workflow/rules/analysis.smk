ARCH = "architectures"
ARCH_MODELS = CFG[ARCH]["models"]


rule aggregate_architectures:
    """Per-run, per-model and per-step tables of the architecture study."""
    input:
        summaries=run_files(ARCH, "summary.json"),
        curves=run_files(ARCH, "curves.csv"),
        first_layers=run_files(ARCH, "first_layer.npy"),
        unit_class_means=run_files(ARCH, "unit_class_means.npy"),
        data=PREPARED,
        code=ANALYSIS_CODE,
    output:
        runs=f"{RESULTS}/tables/architectures_runs.csv",
        summary=f"{RESULTS}/tables/architectures_summary.csv",
        pairwise=f"{RESULTS}/tables/architectures_pairwise.csv",
        curves=f"{RESULTS}/tables/architectures_curves.csv",
        weights=f"{RESULTS}/tables/architectures_weights.csv",
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    log:
        f"{LOGS}/aggregate_architectures.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/aggregate_architectures.py"


rule figures_architectures:
    """The 2x2 performance figure and one weight picture per model."""
    input:
        summary=rules.aggregate_architectures.output.summary,
        curves=rules.aggregate_architectures.output.curves,
        summaries=run_files(ARCH, "summary.json"),
        first_layers=run_files(ARCH, "first_layer.npy"),
        code=ANALYSIS_CODE,
    output:
        performance_png=report(
            f"{RESULTS}/figures/architectures_performance.png",
            caption="../../report/captions/architectures_performance.rst",
            category="Study 3: architectures",
        ),
        performance_svg=f"{RESULTS}/figures/architectures_performance.svg",
        weights_png=expand(f"{RESULTS}/figures/architectures_weights_{{model}}.png", model=ARCH_MODELS),
        weights_svg=expand(f"{RESULTS}/figures/architectures_weights_{{model}}.svg", model=ARCH_MODELS),
    params:
        models=ARCH_MODELS,
        image_shape=INPUT_SHAPES[DATASET][1:],
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    log:
        f"{LOGS}/figures_architectures.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/figures_architectures.py"


rule runs_table:
    """Every run of every study, one row each: tables/runs.csv."""
    input:
        expand(f"{RESULTS}/tables/{{study}}_runs.csv", study=STUDIES),
    output:
        f"{RESULTS}/tables/runs.csv",
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    log:
        f"{LOGS}/runs_table.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/runs_table.py"


rule analyse_activations:
    """Study 4: per-variant table, mean curves, one 1x2 figure per input scaling."""
    input:
        summaries=run_files("activations", "summary.json"),
        curves=run_files("activations", "curves.csv"),
        code=ANALYSIS_CODE,
    output:
        runs=f"{RESULTS}/tables/activations_runs.csv",
        variants=f"{RESULTS}/tables/activations_variants.csv",
        curves=f"{RESULTS}/tables/activations_curves.csv",
        png=[
            report(
                f"{RESULTS}/figures/activations_{scaling}.png",
                caption="../../report/captions/activations.rst",
                category="Study 4: activations",
            )
            for scaling in CFG["activations"]["scalings"]
        ],
        svg=expand(f"{RESULTS}/figures/activations_{{scaling}}.svg", scaling=CFG["activations"]["scalings"]),
    params:
        scalings=CFG["activations"]["scalings"],
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    log:
        f"{LOGS}/analyse_activations.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/analyse_activations.py"


rule analyse_learning_rates:
    """Study 5: per-rate table, mean curves, the 1x2 figure, schedule switches, Adam reference."""
    input:
        summaries=run_files("learning_rates", "summary.json"),
        curves=run_files("learning_rates", "curves.csv"),
        adam_summaries=adam_reference("summary.json"),
        adam_curves=adam_reference("curves.csv"),
        code=ANALYSIS_CODE,
    output:
        runs=f"{RESULTS}/tables/learning_rates_runs.csv",
        variants=f"{RESULTS}/tables/learning_rates_variants.csv",
        curves=f"{RESULTS}/tables/learning_rates_curves.csv",
        adam=f"{RESULTS}/tables/learning_rates_adam_reference.csv",
        schedule=f"{RESULTS}/tables/learning_rates_schedule.json",
        png=report(
            f"{RESULTS}/figures/learning_rates.png",
            caption="../../report/captions/learning_rates.rst",
            category="Study 5: learning rate",
        ),
        svg=f"{RESULTS}/figures/learning_rates.svg",
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    log:
        f"{LOGS}/analyse_learning_rates.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/analyse_learning_rates.py"


rule analyse_concepts:
    """Study 1: calibration of the trained models, the SGD-step identity, iterations per run,
    parameter-count formulas against the framework."""
    input:
        data=PREPARED,
        arch_summaries=run_files(ARCH, "summary.json"),
        arch_models=run_files(ARCH, "model.pt"),
        summaries=[f for study in STUDIES for f in run_files(study, "summary.json")],
        code=ANALYSIS_CODE + [f"{PACKAGE}/fundamentals.py", f"{PACKAGE}/conv.py"],
    output:
        ece=f"{RESULTS}/tables/concepts_ece.csv",
        reliability=f"{RESULTS}/tables/concepts_reliability.csv",
        iterations=f"{RESULTS}/tables/concepts_iterations.csv",
        parameters=f"{RESULTS}/tables/concepts_parameters.csv",
        identity=f"{RESULTS}/tables/concepts_sgd_identity.json",
        png=report(
            f"{RESULTS}/figures/concepts_reliability.png",
            caption="../../report/captions/concepts_reliability.rst",
            category="Study 1: basic concepts",
        ),
        svg=f"{RESULTS}/figures/concepts_reliability.svg",
    params:
        concepts=CFG["concepts"],
    threads: CFG["train"]["threads"]
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    log:
        f"{LOGS}/analyse_concepts.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/analyse_concepts.py"


rule analyse_convolution:
    """Study 2: NumPy conv2d on test images with the configured kernel bank, against torch."""
    input:
        data=PREPARED,
        code=[f"{PACKAGE}/fundamentals.py", f"{PACKAGE}/conv.py", f"{PACKAGE}/figures.py"],
    output:
        similarity=f"{RESULTS}/tables/convolution_similarity.json",
        agreement=f"{RESULTS}/tables/convolution_torch_agreement.csv",
        layers=f"{RESULTS}/tables/convolution_zoo_layers.csv",
        png=report(
            f"{RESULTS}/figures/convolution_maps.png",
            caption="../../report/captions/convolution_maps.rst",
            category="Study 2: convolution",
        ),
        svg=f"{RESULTS}/figures/convolution_maps.svg",
    params:
        convolution=CFG["convolution"],
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    log:
        f"{LOGS}/analyse_convolution.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/analyse_convolution.py"
