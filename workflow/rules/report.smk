rule report:
    """HTML (figures embedded) and PDF report: every study's section from its facts, tables and
    figures, questions addressed by id, a notice of departures from the assignments' protocol.
    """
    input:
        **report_inputs(),
        runs=rules.runs_table.output[0],
        data_info=DATA_INFO,
        benchmarks=list(benchmark_files()),
        code=SHARED_CODE
        + [f for study in STUDIES for f in study_files(study)]
        + [
            f"{PACKAGE}/pagefit.py",
            f"{PACKAGE}/appendix.py",
            "report/report.html.j2",
            "report/style.css",
        ],
    output:
        html=f"{RESULTS}/report/report.html",
        pdf=f"{RESULTS}/report/report.pdf",
    log:
        f"{LOGS}/report.log",
    benchmark:
        f"{BENCH}/report.tsv"
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    params:
        config=CFG,
        settings={study: BY_NAME[study].params(CFG) for study in STUDIES},
        departures=departures(),
        benchmark_study=benchmark_files(),
    script:
        "../scripts/make_report.py"
