"""Snakemake entry point: Study 2, the NumPy convolution on real test images."""
import json
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies import figures, fundamentals  # noqa: E402
from nnstudies.conv import zoo_layer_table  # noqa: E402
from nnstudies.data import load_prepared, scale  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
cfg, p = smk.config, smk.config["convolution"]
data = load_prepared(smk.input.data)
if max(p["images"]) >= len(data["test_y"]):
    raise SystemExit(f"config key 'convolution.images': index {max(p['images'])} is beyond the "
                     f"{len(data['test_y'])} images of the test split")
images = scale(data["test_x"][p["images"]], cfg["data"]["scaling"])[:, 0]
names = list(p["kernels"])
maps = fundamentals.feature_maps(images, np.array([p["kernels"][k] for k in names]))
figures.save(figures.feature_map_figure(images, maps, names), smk.output.png, smk.output.svg)

similarity = fundamentals.map_similarity(maps)
similarity.update(images=p["images"], classes=[int(c) for c in data["test_y"][p["images"]]],
                  map_shape=list(maps.shape[2:]), image_shape=list(images.shape[1:]),
                  kernel_shape=list(np.array(p["kernels"][names[0]]).shape), kernels=len(names),
                  # share of each kernel's map energy: which features these images contain
                  energy={k: float(np.abs(maps[:, i]).mean()) for i, k in enumerate(names)})
with open(smk.output.similarity, "w") as f:
    json.dump(similarity, f, indent=2)

fundamentals.torch_agreement(fundamentals.AGREEMENT_CASES).to_csv(smk.output.agreement,
                                                                  index=False)
in_shape = (1, *data["test_x"].shape[1:])
rows = [{"model": model, "layer": layer, "output": "x".join(map(str, shape)),
         "receptive field": f"{rf[0]}x{rf[1]}", "jump": "–" if jump is None else f"{jump[0]}"}
        for model, layers in cfg["models"].items()
        for layer, shape, rf, jump in zoo_layer_table(layers, in_shape)]
pd.DataFrame(rows).to_csv(smk.output.layers, index=False)
