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
        code=REPORT_CODE,
    output:
        html=f"{RESULTS}/report/report.html",
        pdf=f"{RESULTS}/report/report.pdf",
    log:
        f"{LOGS}/report.log",
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/make_report.py"
