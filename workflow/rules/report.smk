rule report:
    """HTML (figures embedded) and PDF report, every question answered from the tables."""
    input:
        runs=rules.runs_table.output[0],
        data_info=DATA_INFO,
        summaries=run_files(ARCH, "summary.json"),
        arch_runs=rules.aggregate_architectures.output.runs,
        arch_summary=rules.aggregate_architectures.output.summary,
        arch_weights=rules.aggregate_architectures.output.weights,
        arch_performance=rules.figures_architectures.output.performance_png,
        arch_weights_png=rules.figures_architectures.output.weights_png,
        concepts_ece=rules.analyse_concepts.output.ece,
        concepts_iterations=rules.analyse_concepts.output.iterations,
        concepts_parameters=rules.analyse_concepts.output.parameters,
        concepts_reliability=rules.analyse_concepts.output.reliability,
        concepts_identity=rules.analyse_concepts.output.identity,
        concepts_png=rules.analyse_concepts.output.png,
        conv_similarity=rules.analyse_convolution.output.similarity,
        conv_agreement=rules.analyse_convolution.output.agreement,
        conv_layers=rules.analyse_convolution.output.layers,
        conv_png=rules.analyse_convolution.output.png,
        act_variants=rules.analyse_activations.output.variants,
        act_png=rules.analyse_activations.output.png,
        lr_runs=rules.analyse_learning_rates.output.runs,
        lr_variants=rules.analyse_learning_rates.output.variants,
        lr_adam=rules.analyse_learning_rates.output.adam,
        lr_schedule=rules.analyse_learning_rates.output.schedule,
        lr_png=rules.analyse_learning_rates.output.png,
        code=REPORT_CODE,
    output:
        html=f"{RESULTS}/report/report.html",
        pdf=f"{RESULTS}/report/report.pdf",
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    log:
        f"{LOGS}/report.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/make_report.py"
