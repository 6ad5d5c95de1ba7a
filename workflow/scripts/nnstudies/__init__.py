"""Small-network training studies: the tested logic behind the Snakemake workflow."""
