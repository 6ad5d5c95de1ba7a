"""Study 2: a convolution layer in NumPy (seed 001 part 2, seed 003 questions 3 and 5)."""
import numpy as np

from .. import claims, fundamentals, figures, prose
from ..config import INPUT_SHAPES, ConfigError
from ..conv import conv2d, output_size, receptive_fields, zoo_layer_table
from ..data import load_prepared, scale
from ..report import Section, Shown
from .common import write_facts
from ..lazy import lazy_import

pd = lazy_import("pandas")
torch = lazy_import("torch")

NAME = "convolution"
TITLE = "Study 2: a convolution layer in NumPy"
ORDER = 20
CAPTION = ("Study 2: five test images convolved with the configured bank of 4x4 kernels by "
           "the NumPy conv2d; each map normalised for display.")
PROTOCOL = {}
# The seeds' asks this section answers (nnstudies/appendix.py): EE449 part 2 (seed 001) and
# seed 003's convolution exercises.
ASKED = [
    {"seed": "001", "ask": "2.1 Figs. 2 and 4: the NumPy conv2d's output on the sample images "
     "with the given kernels (as is and normalised)", "answer": "convolution-fig-maps",
     "note": "drawn normalised, each map to its own range; Fashion-MNIST test images and the "
     "configured kernel bank, not the course's sample and kernel files"},
    {"seed": "001", "ask": "2.1 Figs. 3 and 5: the framework's conv2d output, for comparison",
     "answer": "convolution-table-torch_agreement",
     "note": "compared with torch number by number (largest difference), not drawn"},
    {"seed": "001", "ask": "2.2.1: why are CNNs important for images?",
     "answer": "convolution-q1"},
    {"seed": "001", "ask": "2.2.2: what is a kernel, and what are its sizes?",
     "answer": "convolution-q2"},
    {"seed": "001", "ask": "2.2.3: what does the output show?", "answer": "convolution-q3"},
    {"seed": "001", "ask": "2.2.4: why do the maps of one column look alike across images?",
     "answer": "convolution-q4"},
    {"seed": "001", "ask": "2.2.5: why do the maps of one row not look alike?",
     "answer": "convolution-q5"},
    {"seed": "001", "ask": "2.2.6: what follows about convolutional layers?",
     "answer": "convolution-q6"},
    {"seed": "003", "ask": "3: the output of the 6x6 input X convolved with the 3x3 kernel F "
     "(stride 1, no padding)", "answer": "convolution-table-exercises",
     "note": "the whole 4x4 output, checked against torch"},
    {"seed": "003", "ask": "5.1: output size of a 16x16 input, F 2, S 2, P 1, dilation 4",
     "answer": "convolution-table-exercises"},
    {"seed": "003", "ask": "5.2: output size of a 32x32 input after two layers F 3, S 2, P 1",
     "answer": "convolution-table-exercises"},
    {"seed": "003", "ask": "5.3: receptive field in layer 1 of a unit of layer 3 (three 3x3 "
     "stride-1 layers)", "answer": "convolution-table-exercises",
     "note": "computed and measured in torch (the input-gradient footprint)"},
]
TABLES = ["torch_agreement", "zoo_layers", "exercises"]


def _shaping_layers(layers):
    """One row per model: the layers that change the output size or receptive field."""
    shaping = layers[~layers.layer.str.split().str[0].isin(["relu", "sigmoid", "tanh",
                                                            "batchnorm"])]
    return pd.DataFrame([{"model": model, "layer: output, receptive field": " · ".join(
        f"{r.layer}: {r.output}, {r['receptive field']}" for _, r in group.iterrows())}
        for model, group in shaping.groupby("model", sort=False)])


SHOWN = {"torch_agreement": Shown(decimals=2), "exercises": Shown(text=True),
         "zoo_layers": Shown(rows=_shaping_layers, text=True)}
# Seed 003's worked example: a 6x6 input and a 3x3 kernel, stride 1, no padding.
EXAMPLE_X = [[1, 0, -2, 3, 4, 1], [2, 9, 5, 6, 0, -1], [0, -3, 1, 3, 4, 4],
             [6, 5, 2, 0, 6, 8], [-5, 4, -3, 1, 3, -2], [4, 1, 2, 8, 9, 7]]
EXAMPLE_F = [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]
# Its output-size exercises: (input, [(kernel, stride, padding, dilation) per layer]).
SIZE_EXERCISES = [(16, [(2, 2, 1, 4)]), (32, [(3, 2, 1, 1), (3, 2, 1, 1)])]


def runs(cfg):
    return {}


def check(cfg):
    kernels = cfg[NAME]["kernels"]
    shapes = {name: (len(k), len(k[0])) for name, k in kernels.items()}
    first = next(iter(shapes.values()))
    for name, k in kernels.items():
        if len({len(row) for row in k}) != 1:
            raise ConfigError(f"config key '{NAME}.kernels.{name}': rows of unequal length")
        if shapes[name] != first:
            raise ConfigError(f"config key '{NAME}.kernels.{name}': {shapes[name]} differs from "
                              f"the bank's first kernel {first}")
        in_shape = INPUT_SHAPES[cfg["data"]["dataset"]]
        if max(shapes[name]) > min(in_shape[1:]):
            raise ConfigError(f"config key '{NAME}.kernels.{name}': a {shapes[name]} kernel is "
                              f"larger than the {in_shape[1]}x{in_shape[2]} image")


def departures(cfg):
    return []


def inputs(cfg, files):
    return {}


def params(cfg):
    # every model: the layer table shows them all, so editing any model reruns this analysis
    return {"convolution": cfg[NAME], "models": cfg["models"], "scaling": cfg["data"]["scaling"]}


def figures_of(params):
    return ["maps"]


def _measured_receptive_field(layers, kernel, size=21):
    """The receptive field measured, not computed: the input pixels on which one unit of the
    last of `layers` stride-1 convolutions depends (its input gradient's non-zero footprint)."""
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(layers):
        y = torch.nn.functional.conv2d(y, torch.ones(1, 1, kernel, kernel, dtype=torch.float64))
    y[0, 0, y.shape[-2] // 2, y.shape[-1] // 2].backward()
    rows, cols = (x.grad[0, 0] != 0).any(1).sum().item(), (x.grad[0, 0] != 0).any(0).sum().item()
    return f"{rows}x{cols} input pixels (input-gradient footprint of one layer-{layers} unit)"


def exercises():
    """Seed 003's exercises computed by the project's own code, each with its formula."""
    y = conv2d(np.array(EXAMPLE_X, float)[None, None], np.array(EXAMPLE_F, float)[None, None])
    t = torch.nn.functional.conv2d(torch.tensor([[EXAMPLE_X]], dtype=torch.float64),
                                   torch.tensor([[EXAMPLE_F]], dtype=torch.float64))

    def grid(a):  # the whole output, row by row
        return "; ".join(str([int(v) for v in row]) for row in a)

    rows = [{"exercise": "6x6 X ⋆ 3x3 F (stride 1, no padding)",
             "formula": "W' = (W − F)/S + 1 = (6 − 3)/1 + 1 = 4",
             "result": "4x4, rows " + grid(y[0, 0]),
             "torch": grid(t[0, 0].numpy()) + (" (equal)" if np.array_equal(y[0, 0], t[0, 0])
                                                else " (differs)")}]
    for size, layers in SIZE_EXERCISES:
        sizes, shape = [size], torch.zeros(1, 1, size, size)
        for k, s, p, d in layers:
            sizes.append(output_size(sizes[-1], k, s, p, d))
            shape = torch.nn.functional.conv2d(shape, torch.zeros(1, 1, k, k), stride=s,
                                               padding=p, dilation=d)
        rows.append({"exercise": f"{size}x{size} through " + ", then ".join(
            f"F {k}, S {s}, P {p}" + (f", D {d}" if d > 1 else "") for k, s, p, d in layers),
            "formula": "W' = floor((W + 2P − D(F − 1) − 1)/S) + 1",
            "result": " → ".join(f"{n}x{n}" for n in sizes),
            "torch": f"{shape.shape[-2]}x{shape.shape[-1]}"})
    back = receptive_fields([{"kernel": 3}] * 2)  # layers 3 and 2, seen from layer 1
    rows.append({"exercise": "three 3x3 stride-1 layers: receptive field of a layer-3 unit",
                 "formula": "r ← r + (F − 1)·jump, counted back from layer 3",
                 "result": f"{back[0]['rf']} in layer 2, {back[1]['rf']} in layer 1, "
                           f"{receptive_fields([{'kernel': 3}] * 3)[-1]['rf']} in the input",
                 "torch": _measured_receptive_field(3, 3)})
    return pd.DataFrame(rows)


def similarity_images(figure, n_test, count):
    """The test images whose maps are compared (the figure's first, `count` in all) and the
    reference images their columns are compared with (up to `count` others); a test set too
    small for both splits what it has."""
    figure = list(dict.fromkeys(figure))
    others = [i for i in range(n_test) if i not in set(figure)]
    n = max(len(figure), min(count, n_test // 2))
    compared = figure + others[:n - len(figure)]
    return compared, others[n - len(figure):n - len(figure) + count]


def analyse(inp, out, params, info):
    p = params["convolution"]
    data = load_prepared(inp.data)
    names = list(p["kernels"])
    bank = np.array([p["kernels"][k] for k in names])

    def grey(indices):  # one grey channel per image: a colour image's channels averaged
        return scale(data["test_x"][indices], params["scaling"]).mean(axis=1)

    images = grey(p["images"])
    maps = fundamentals.feature_maps(images, bank)
    figures.save(figures.feature_map_figure(images, maps, names), *out.figure("maps"))
    compared, reference = similarity_images(p["images"], len(data["test_y"]),
                                            p["similarity_images"])
    compared_images, reference_images = grey(compared), grey(reference)
    compared_maps = fundamentals.feature_maps(compared_images, bank)
    # no reference left (a test set no larger than the figure): the other compared images
    similarity = fundamentals.map_similarity(
        compared_maps, fundamentals.feature_maps(reference_images, bank) if reference else None)
    similarity.update(control_similarity(compared_images, reference_images if reference
                                         else None, bank))
    similarity.update(
        images=p["images"], compared=compared, reference=reference or compared,
        image_pixel_r=fundamentals.image_similarity(
            compared_images, reference_images if reference else None),
        classes=[int(c) for c in data["test_y"][p["images"]]],
        map_shape=list(maps.shape[2:]), image_shape=list(images.shape[1:]),
        kernel_shape=list(bank.shape[1:]), kernels=len(names),
        channels=int(data["test_x"].shape[1]))
    agreement = fundamentals.torch_agreement(fundamentals.AGREEMENT_CASES)
    agreement.to_csv(out.table("torch_agreement"), index=False)
    in_shape = tuple(data["test_x"].shape[1:])
    pd.DataFrame([{"model": model, "layer": layer, "output": "x".join(map(str, shape)),
                   "receptive field": f"{rf[0]}x{rf[1]}",
                   "jump": "–" if jump is None else f"{jump[0]}"}
                  for model, layers in params["models"].items()
                  for layer, shape, rf, jump in zoo_layer_table(layers, in_shape)]
                 ).to_csv(out.table("zoo_layers"), index=False)
    exercises().to_csv(out.table("exercises"), index=False)
    write_facts(out.facts, {"similarity": similarity,
                            "max_abs_diff": float(agreement.max_abs_diff.max()),
                            "agreement_cases": len(agreement),
                            "claims": claims_of(similarity, feature_amounts(compared_maps, bank,
                                                                            names))})


# The control's seed: each image's pixels are shuffled by one fixed draw.
CONTROL_SEED = 0


def shuffled_pixels(images, seed=CONTROL_SEED):
    """Each image (the last two axes) with its pixels in a random order, one permutation per
    image from a fixed seed: the same pixel values, no spatial structure."""
    rng = np.random.default_rng(seed)
    flat = np.asarray(images).reshape(len(images), -1)
    return np.stack([rng.permutation(x) for x in flat]).reshape(np.shape(images))


def control_similarity(images, reference, bank):
    """The spectrum |r| of each image's column and row (fundamentals.map_similarity) on the
    same images, and reference images, with their pixels shuffled: what the kernels alone give,
    whatever the images hold (a map's amplitude spectrum is about the kernel's frequency
    response times the image's, so a column's maps share the kernel's)."""
    both = shuffled_pixels(images if reference is None else np.concatenate([images, reference]))
    maps = fundamentals.feature_maps(both, bank)
    control = fundamentals.map_similarity(maps[:len(images)], None if reference is None
                                          else maps[len(images):])
    return {"control_seed": CONTROL_SEED,
            "control_column_spectrum_r": control["column_spectrum_r"],
            "control_row_spectrum_r": control["row_spectrum_r"]}


def feature_amounts(maps, bank, names):
    """Per kernel, one value per image: the mean |response| divided by the kernel's L2 norm,
    so that a kernel with larger weights does not answer more for that alone (the response to
    a patch is the kernel's norm times the patch's component along the kernel)."""
    norms = np.sqrt((bank ** 2).sum(axis=(1, 2)))
    amounts = np.abs(maps).mean(axis=(2, 3)) / norms  # (images, kernels)
    return {k: [float(v) for v in amounts[:, i]] for i, k in enumerate(names)}


COLUMN_EXPECTED = ("a column is one kernel, the same feature detector on every image. A map's "
                   "amplitude spectrum is about the kernel's frequency response times the "
                   "image's, so a column's maps share the kernel's whatever the images hold, "
                   "which can make them more alike than a row's even on images with no garment. "
                   "If the kernel marks the same kind of structure wherever the garment has it, "
                   "the garments add to that: column minus row should be larger on each image "
                   "than on the same image with its pixels shuffled.")


def row_expected(image_r):
    """Why the maps of a row should not look alike, with the premise a pixel comparison rests
    on measured, not assumed: how far the images themselves put their content in the same
    places (`image_r`, their mean pixel |r|)."""
    return ("a row is one image seen through different kernels, each keeping a different kind "
            "of structure (an orientation, a scale) and discarding the rest, so the maps of a "
            "row should differ; the maps of a column share their kernel, and match pixel by "
            "pixel as far as their images do (these test images correlate pixel by pixel with "
            f"mean |r| {image_r:.2f}): pixel by pixel, an image's maps should be less alike "
            "with each other than with the same kernel's maps on other images.")


SOURCE = "tables/convolution_facts.json (similarity)"


def _differences(similarity, measure, first, prefix=""):
    """Per compared image, `first` (row or column) minus the other, from its own maps (with
    `prefix` "control_", from the same image with its pixels shuffled)."""
    row = similarity[f"{prefix}row_{measure}_r"]
    column = similarity[f"{prefix}column_{measure}_r"]
    return [r - c if first == "row" else c - r for r, c in zip(row, column)]


def _per_image(similarity, diffs, what, short_what):
    """One value per compared image (`diffs`, built from its own maps): whether one sign wins
    more often than chance, by the exact sign test over the images."""
    c = claims.sign({f"image {i}": [d] for i, d in zip(similarity["compared"], diffs)}, what,
                    reference=0.0, fmt=lambda x: f"{x:+.2f}", source=SOURCE, unit="image")
    c["short"] = short_what + c["short"].removeprefix(what)  # the summary's shorter name
    return c


def _control_claim(s, raw, control):
    """Column minus row on the images with their pixels shuffled (`control`), per image, and
    what that says of the raw comparison (`raw`): where the kernels alone give its direction,
    the raw comparison shows the pattern each kernel imposes, not what the garments hold."""
    c = _per_image(s, control, "The same on each image with its pixels shuffled (seed "
                   f"{s['control_seed']}, the other images' too), which keeps only what the "
                   "kernels impose",
                   "the same with pixels shuffled")
    raw_way = claims.direction(_per_image(s, raw, "raw", "raw"))
    way = claims.direction(c)
    if way == 0:
        reading = ("no direction is shown with the pixels shuffled, so the kernels alone are "
                   "not shown to give the raw comparison's outcome")
    elif way == raw_way:
        reading = ("the kernels alone give the raw comparison's direction, so on its own it "
                   "shows the pattern each kernel imposes, not what the garments contain")
    else:
        reading = ("the kernels alone give a direction that the raw comparison does not "
                   "show, so the garments change it")
    c["text"] += f"; {reading}"
    return c


def _energy_words(kernels, scaling):
    """(norms, not ranked): a sentence giving the kernels' L2 norms, which each mean |response|
    is divided by (a response scales with the kernel's weights), and one on why the kernels
    are still not ranked. A kernel whose weights do not sum to zero also answers the
    patch's level: its brightness on inputs in [0, 1] or [0, 255]; on [-1, 1], where black is
    -1 and mid-grey 0, the distance from mid-grey, so a black patch (an empty background)
    answers as strongly as a white one."""
    norms = {}
    for name, k in kernels.items():
        norms.setdefault(float(f"{np.sqrt(np.sum(np.square(k))):.3g}"), []).append(name)
    listed = "; ".join(f"{norm:g} for {prose.names(names)}" for norm, names in norms.items())
    scale = f"The kernels' L2 norms are {listed}."
    offset = [name for name, k in kernels.items() if not np.isclose(np.sum(k), 0)]
    if not offset:
        return scale, "Every kernel's weights sum to zero; the kernels are listed, not ranked."
    which = f"a kernel whose weights do not sum to zero, here {prose.names(offset)},"
    if scaling == "symmetric":
        return scale, ("The kernels are not ranked. Inputs in [-1, 1] put black at −1 and "
                       f"mid-grey at 0, so {which} answers the distance from mid-grey too, as "
                       "strongly on a black background as on white.")
    return scale, f"The kernels are not ranked: {which} answers brightness too."


def _others(s):
    """'20 other test images': the images a column is compared with (where there were no
    reference images, the other compared images)."""
    return prose.count(len(s["reference"]) - (s["reference"] == s["compared"]),
                       "other test image")


def _gain_words(c, values, maps, caveat=""):
    """'a kernel's maps (a column) are more alike for 20 of 20 images (median +0.12, sign test
    p = 1.9e-06)': how one image's column or row (`maps`) changed from shuffled to real pixels,
    per image (`values`, with its sign test `c`); `caveat` follows its p."""
    ev = c["evidence"]
    n, way = len(values), claims.direction(c)
    if way:
        k = ev["above"] if way > 0 else ev["below"]
        return (f"{maps} are {'more' if way > 0 else 'less'} alike for {k} of {n} images "
                f"(median {float(np.median(values)):+.2f}, sign test p = {ev['p']:.2g}{caveat})")
    moved = ev["above"] + ev["below"]
    test = (f"sign test p = {ev['p']:.2g}{caveat}" if ev["p"] == ev["p"] else
            f"with {prose.count(moved, 'image')} no sign test can reach p < {claims.ALPHA}")
    same = f", {n - moved} the same" if moved < n else ""
    return (f"{maps} are not shown to change ({ev['above']} more alike, {ev['below']} "
            f"less{same}; {test})")


def _not_tested(s, column, row, gains):
    """The expectation on what a kernel detects gets no verdict: the shuffled-pixel control
    changes each image's spectrum, which every one of its maps carries (a map's spectrum is
    about the kernel's times the image's), so it moves the row, whose maps share no kernel, as
    well as the column. The difference of differences (the column's change less the row's)
    could speak to the kernel only if the row stayed put; it says from the numbers (`column`,
    `row`: per image, real minus shuffled; `gains`: their sign-test claims) what moved.
    Returns (the verdict's reason, the summary's words)."""
    caveat = f", approximate: every image's column is set against the same {_others(s)}"
    col = _gain_words(gains[0], column, "a kernel's maps (a column)", caveat)
    rw = _gain_words(gains[1], row, "one image's maps (a row)")
    way = claims.direction(gains[1])
    cannot = ("this control cannot tell what a kernel detects from what an image's spectrum "
              "does to all of its maps")
    need = "the column's change less the row's shows what a kernel detects only if the row"
    if way:
        why = (f"Shuffling changes each image's spectrum too, which all of its maps carry: "
               f"the row, whose maps share no kernel, changed as well (median "
               f"{float(np.median(row)):+.2f}, against the column's "
               f"{float(np.median(column)):+.2f}), and {need} stays the same")
    else:
        why = (f"The row, whose maps share no kernel, is not shown to change, as needed ({need} "
               "stays the same); but shuffling changes each image's spectrum too, so the "
               "column's change can come from the images' spectra being alike as well as from "
               "what a kernel detects")
    short = (f"on real pixels rather than the same pixels shuffled (spectrum |r|), {col}, and "
             f"{rw}; whether a kernel marks the same kind of structure wherever the garment "
             f"has it is not tested: {cannot}")
    return f"{cannot}. {why}", short


def claims_of(s, amounts):
    """Columns against rows, one pair of values per compared image (similarity `s`); how each
    of the two changes from the same pixels shuffled to the real ones, and the expectation on
    what a kernel detects, which that control cannot test (_not_tested); and the mean
    |response| per kernel per image, divided by the kernel's norm (`amounts`; why those are
    not ranked is the section's, _energy_words)."""
    others = _others(s)
    raw = _differences(s, "spectrum", "column")
    control = _differences(s, "spectrum", "column", "control_")
    column = [r - c for r, c in zip(s["column_spectrum_r"], s["control_column_spectrum_r"])]
    row = [r - c for r, c in zip(s["row_spectrum_r"], s["control_row_spectrum_r"])]
    gains = [_per_image(s, column, "A kernel's maps (each image's column), spectrum |r| on "
                        "the real pixels minus on the same pixels shuffled",
                        "column, real minus shuffled pixels"),
             _per_image(s, row, "One image's maps (its row), the same",
                        "row, real minus shuffled pixels")]
    # the column's change less the row's: (column minus row) less the same with the pixels
    # shuffled, set against the expectation, which this control cannot test (no verdict)
    measured = _per_image(
        s, [c - r for c, r in zip(column, row)],
        "The column's change less the row's per image (column minus row, less the same with "
        "the pixels shuffled)", "the column's change less the row's")
    reason, short = _not_tested(s, column, row, gains)
    untested = dict(measured)
    untested["evidence"] = {**measured["evidence"], "kind": "mechanism",
                            "expected": COLUMN_EXPECTED, "verdict": "not tested", "why": reason,
                            "measurement": measured["evidence"],
                            "rule": "an expectation gets a verdict only where its measurement "
                                    "can speak to it; here it gets none, and the measurement "
                                    "is shown"}
    untested["text"] = (f"Expected: {COLUMN_EXPECTED} Measured: {measured['text']}. Verdict: "
                        f"not tested: {reason}")
    untested["short"] = short
    return {
        # what the raw comparison and its control each show, then how the column and the row
        # each change from the control to the real pixels
        "columns_vs_rows_raw": _per_image(
            s, raw, f"Amplitude-spectrum |r| per image: its column (each of its maps against "
            f"the same kernel's maps on {others}) minus its row (its maps against each other)",
            "amplitude-spectrum |r|, column minus row"),
        "columns_vs_rows_control": _control_claim(s, raw, control),
        "column_gain": gains[0],
        "row_gain": gains[1],
        "columns_vs_rows": untested,
        "rows_vs_columns_pixels": claims.mechanism(row_expected(s["image_pixel_r"]), _per_image(
            s, _differences(s, "pixel", "row"),
            f"Pixel-by-pixel |r| per image: its row (its maps against each other) minus its "
            f"column (each of its maps against the same kernel's maps on {others})",
            "pixel |r|, row minus column"), expected_sign=-1,
            name="maps of one image (a row) less alike pixel by pixel than maps of one kernel "
                 "(a column)"),
        # not ranked: a kernel whose weights do not sum to zero also answers the patch's
        # level, so its larger response is built in, not more of a feature in the images
        "energy": claims.values_only(
            amounts, "Mean |response| divided by the kernel's L2 norm, per kernel",
            fmt=claims.fmt_number, source=SOURCE),
    }


def section(facts, figs, params, info):
    s = facts["similarity"]
    p = params["convolution"]
    sec = Section(NAME, TITLE,
                  "conv2d (workflow/scripts/nnstudies/conv.py) in NumPy, vectorised, with "
                  "stride, padding and dilation; here stride 1 and no padding as the assignment "
                  f"asks. Test images {', '.join(map(str, p['images']))} convolved with "
                  f"{len(p['kernels'])} kernels of the configured bank"
                  + (f" (each colour image averaged over its {s['channels']} channels to one "
                     "grey channel first)." if s.get("channels", 1) > 1 else "."))
    sec.add_figure(figs["maps"], "One row per test image (input first), one column per kernel; "
                   "every map normalised to its own range.")
    sec.add_table("conv2d against torch.nn.functional.conv2d (float64)", "torch_agreement")
    sec.add_table("Seed 003's exercises, computed by the same code (and torch's shapes)",
                  "exercises")
    sec.add_table("Output size and receptive field after each layer that changes them, for "
                  "every model (activations pass both through)", "zoo_layers")
    h, w = s["image_shape"]
    kh, kw = s["kernel_shape"]
    mh, mw = s["map_shape"]
    sec.ask("Why do convolutional networks matter for images?",
            "Neighbouring pixels belong together and a pattern means the same wherever it "
            "appears. A convolution applies one small kernel at every position: it looks at "
            "local neighbourhoods, shares its few weights across the image and responds to a "
            "pattern wherever it moves, where a fully connected layer needs one weight per "
            "pixel and per unit (Study 3 compares the two families on this data).")
    sec.ask("What is a kernel, and what are its sizes?",
            "A kernel is a small grid of weights; each output pixel is the sum of the kernel "
            "times the image patch under it. Its size is (output channels, input channels, "
            f"height, width): here ({s['kernels']}, 1, {kh}, {kw}). With stride 1 and no "
            f"padding a {kh}×{kw} kernel on a {h}×{w} image gives a ({h} − {kh} + 1)×"
            f"({w} − {kw} + 1) = {mh}×{mw} map; one kernel has {kh * kw} weights. The general "
            "size with padding P, stride S and dilation D is in the exercises table.")
    found = facts["claims"]
    n, shown = len(s["compared"]), len(set(s["images"]))
    compared = f"{n} test images (the figure's {shown}" + (f" and {n - shown} more)"
                                                            if n > shown else ")")
    norms, not_ranked = _energy_words(p["kernels"], params["scaling"])
    sec.ask("What does the output show?",
            "Each map is bright where the image patch under the kernel looks like the kernel "
            "and dark where it looks like its negative: an edge kernel marks edges of its "
            "orientation, an all-positive kernel gives a blurred copy. How much of each feature "
            f"the images contain is measured on {compared}: a map's mean |response|, divided "
            "by its kernel's L2 norm (the root of its summed squared weights) so that larger "
            f"weights do not count as more feature. {norms} {sec.cite(found, 'energy')}. "
            f"{not_ranked}")
    # neutral headings: which maps look more alike depends on the measure (kind of pattern
    # or pixel by pixel), and the answers give both measurements
    pairing = (f"One pair of values per image, for {compared}: its row, the mean |r| "
               "between its maps under the different kernels, and its column, the mean |r| "
               "between each of its maps and the same kernel's maps on "
               f"{_others(s)}. Both come from the same image's maps, so the two are "
               "compared image by image (a sign test over the images), not as independent "
               "samples; every image's column is set against the same images, so the sign "
               "test's p is approximate.")
    sec.ask("Do the maps of one column look alike across images?",
            "Measured as the correlation of the maps' amplitude spectra (the kind of pattern, "
            f"whatever its position). {pairing} {sec.cite(found, 'columns_vs_rows_raw')}. "
            f"{sec.cite(found, 'columns_vs_rows_control')}. How each changes from the "
            f"shuffled pixels to the real ones, per image. {sec.cite(found, 'column_gain')}. "
            f"{sec.cite(found, 'row_gain')}. {sec.cite(found, 'columns_vs_rows')}.")
    sec.ask("Do the maps of one row look alike?",
            "Measured here pixel by pixel (where each map responds), one pair of values per "
            f"image as in question 4 (so its p is approximate too). "
            f"{sec.cite(found, 'rows_vs_columns_pixels')}.")
    fc_weights = h * w * s["kernels"] * mh * mw
    sec.ask("What follows about convolutional layers?",
            f"A layer of {s['kernels']} kernels turns one image into {s['kernels']} feature "
            f"maps with only {s['kernels'] * kh * kw} weights, where a fully connected layer "
            f"with the same {s['kernels']}×{mh}×{mw} outputs would need {fc_weights:,}. "
            "Stacking such layers builds features of growing receptive field (table), and "
            "training learns the kernels instead of fixing them as here. The NumPy conv2d "
            f"agrees with torch to {facts['max_abs_diff']:.1g} over "
            f"{facts['agreement_cases']} settings of shape, stride, padding and dilation.")
    sec.summary = (f"Convolution: NumPy conv2d matches torch to {facts['max_abs_diff']:.1g}; "
                   f"{sec.cite(found, 'columns_vs_rows', True)}.")
    return sec
