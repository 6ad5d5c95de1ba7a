rule report:
    """The HTML report (figures embedded): every study's section from its facts, tables and
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
            f"{PACKAGE}/appendix.py",
            "report/report.html.j2",
            "report/style.css",
        ],
    output:
        html=f"{RESULTS}/report/report.html",
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


rule report_pdf:
    """The same report as a PDF, paged without holes (nnstudies/pagefit.py): its own job, so
    that the HTML is there to read while the slower PDF is laid out."""
    input:
        html=rules.report.output.html,
        code=[f"{PACKAGE}/pagefit.py", f"{PACKAGE}/outputs.py"],
    output:
        pdf=f"{RESULTS}/report/report.pdf",
    log:
        f"{LOGS}/report_pdf.log",
    benchmark:
        f"{BENCH}/report_pdf.tsv"
    conda:
        "../../envs/workflow.yaml"
    # two processes lay the sections out (pagefit.layout): the PDF is the run's last job, alone
    threads: 2
    resources:
        mem_mb=LIGHT_MEM_MB,
        runtime=LIGHT_RUNTIME,
    script:
        "../scripts/make_pdf.py"
