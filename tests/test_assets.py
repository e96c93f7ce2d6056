"""The README's pictures are the snapshots themselves: each SVG in assets/ must equal the snapshot
it was copied from, so a picture in the README never shows an older app.

After `pytest tests/test_snapshots.py --snapshot-update`, refresh them with
`python -m tests.test_assets`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots"
ASSETS = {
    "start-screen.svg": "test_start_screen[120x40].svg",
    "mid-forward.svg": "test_mid_forward[120x40].svg",
    "mid-backward.svg": "test_mid_backward[120x40].svg",
    "mid-backward-80x24.svg": "test_mid_backward[80x24].svg",
    "after-update.svg": "test_after_update[120x40].svg",
    "after-live-training.svg": "test_after_live_training[120x40].svg",
    "help-screen.svg": "test_help_screen[120x40].svg",
    "boundary-after-training.svg": "test_boundary_after_training.svg",
    "hidden-space-after-training.svg": "test_hidden_space_after_training.svg",
    "spiral-boundary.svg": "test_spiral_after_training[boundary].svg",
    "all-views-180x50.svg": "test_all_views_side_by_side.svg",
    "inspector.svg": "test_selected_weight_mid_backward.svg",
    "quiz-question.svg": "test_quiz_question[120x40].svg",
    "lesson-page.svg": "test_lesson_page[120x40].svg",
    "matrix-view.svg": "test_matrix_view_mid_forward.svg",
    "gradient-health.svg": "test_gradient_health_of_a_vanishing_run.svg",
    "light-theme.svg": "test_light_theme.svg",
    "spiral3-linear.svg": "test_case_study_spiral3[linear].svg",
    "spiral3-relu-64.svg": "test_case_study_spiral3[relu-64].svg",
    "spiral3-boundary-light.svg": "test_three_class_spiral_boundary[light].svg",
    "spiral3-boundary-ascii.svg": "test_three_class_spiral_boundary[ascii].svg",
    "softmax-step.svg": "test_softmax_step_in_the_log.svg",
    "validation-curves.svg": "test_validation_curves[dark].svg",
    "pytorch-lens.svg": "test_pytorch_lens_mid_backward.svg",
    "sine-fit-epoch-0.svg": "test_sine_fit_with_unit_curves[epoch-0].svg",
    "sine-fit-trained.svg": "test_sine_fit_with_unit_curves[trained].svg",
    "saddle-surface.svg": "test_saddle_surface_after_training.svg",
    "landscape-epoch-0.svg": "test_landscape_at_epoch_0.svg",
    "landscape-after-training.svg": "test_landscape_after_training.svg",
    "landscape-overshoot.svg": "test_landscape_overshooting_eta_16.svg",
    "optimizer-race.svg": "test_optimizer_race.svg",
    "dropout-mask.svg": "test_dropout_mask_on_the_diagram_and_in_the_log.svg",
}


@pytest.mark.parametrize("asset", sorted(ASSETS))
def test_each_readme_picture_is_its_current_snapshot(asset: str) -> None:
    picture, snapshot = ROOT / "assets" / asset, SNAPSHOTS / ASSETS[asset]
    assert picture.read_bytes() == snapshot.read_bytes(), f"assets/{asset} is stale: run python -m tests.test_assets"


def test_every_picture_in_assets_is_kept_current_and_shown() -> None:
    readme = (ROOT / "README.md").read_text()
    on_disk = {p.name for p in (ROOT / "assets").glob("*.svg")}
    assert on_disk == set(ASSETS), "an asset without a snapshot (or a snapshot copy missing)"
    unused = [name for name in ASSETS if f"assets/{name}" not in readme]
    assert not unused, f"assets not shown in the README: {unused}"


if __name__ == "__main__":
    for asset, snapshot in ASSETS.items():
        shutil.copyfile(SNAPSHOTS / snapshot, ROOT / "assets" / asset)
    print(f"copied {len(ASSETS)} snapshots into assets/")
