"""Pilot test of the Simulator: pick a profile, run both orders, step a trace, follow a link."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, Static

from workbench.app import make_app
from workbench.scenes import settle
from workbench.screens.history import HistoryScreen
from workbench.screens.simulator import SimulatorScreen
from workbench.widgets.step_table import StepTable


async def open_simulator(pilot) -> SimulatorScreen:  # type: ignore[no-untyped-def]
    """From launch to the Simulator with its first check (s390 6.12) finished."""
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SimulatorScreen)
    return screen


async def type_era(pilot, screen: SimulatorScreen, text: str, *then: str) -> Input:  # type: ignore[no-untyped-def]
    """Empty the era box, focus it and type ``text``, then the keys ``then``."""
    era = screen.query_one("#era", Input)
    era.value = ""
    era.focus()
    await pilot.press(*text, *then)
    return era


async def test_pick_run_step_and_open_history() -> None:
    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_simulator(pilot)
        # pick powerpc-e500 at 6.1 and run: the swap is a use-after-free there (F4.5)
        screen.query_one("#arch", Select).value = "powerpc-e500"
        await type_era(pilot, screen, "6.1", "enter")
        await settle(pilot)
        assert screen.results["current"].claim("no-uaf").verdict == "holds"
        reversed_no_uaf = screen.results["reversed"].claim("no-uaf")
        assert reversed_no_uaf.verdict == "fails" and reversed_no_uaf.trace
        # choose no-uaf in the reversed table: its trace fills the steps table
        claims = screen.query_one("#claims", DataTable)
        claims.focus()
        row = [str(claims.get_row_at(i)[0]) for i in range(claims.row_count)].index("no-uaf")
        claims.move_cursor(row=row, column=2)  # the reversed column
        await settle(pilot)
        steps = screen.query_one("#steps", DataTable)
        assert steps.row_count == len(reversed_no_uaf.trace)
        steps.focus()
        await pilot.press(*["down"] * (steps.row_count - 1))
        await settle(pilot)
        last = reversed_no_uaf.trace[-1]
        assert last.event.name in str(screen.query_one("#step-body", Static).render())
        # enter opens the history of the function the step stands for
        await pilot.press("enter")
        await settle(pilot)
        history = app.screen
        assert isinstance(history, HistoryScreen)
        body = str(history.query_one("#trace-body").render())
        assert any(f"{name}() " in body for name in last.event.calls) or \
            "not defined in" in body, body
        assert history.function == "kvm_destroy_vm"  # its own `t` still traces what it did


async def test_bad_era_is_one_line_not_a_crash() -> None:
    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_simulator(pilot)
        await type_era(pilot, screen, "2.0", "enter")
        await settle(pilot)
        status = str(screen.query_one("#sim-status", Static).render())
        assert "'2.0' is not a release" in status


async def test_userspace_picker_runs_qemu_and_says_why_a_claim_holds() -> None:
    """QEMU 8.2 on 6.12: nothing fails, and the inspector names the rule that prevented it."""
    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_simulator(pilot)
        screen.query_one("#userspace", Select).value = "qemu-8.2"
        await pilot.press("r")
        await settle(pilot)
        for order in ("current", "reversed"):
            result = screen.results[order]
            assert result.profile.userspace == "qemu-8.2"
            assert [c.id for c in result.claims if c.verdict == "fails"] == []
        claims = screen.query_one("#claims", DataTable)
        claims.focus()
        await settle(pilot)
        body = str(screen.query_one("#step-body", Static).render())
        assert "se-ap-reset holds" in body
        assert "prevented by uv-refused-bound-destroy" in body
        status = str(screen.query_one("#sim-status", Static).render())
        assert "qemu-8.2" in status


async def test_status_names_the_checked_era_not_the_box() -> None:
    """Editing the era box while a check runs does not relabel that check's result."""
    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_simulator(pilot)
        screen.action_run()
        screen.query_one("#era", Input).value = "5.19"
        await settle(pilot)
        status = str(screen.query_one("#sim-status", Static).render())
        assert "s390 6.12 " in status and "5.19" not in status


async def test_a_crashed_check_says_so_and_leaves_no_stale_trace(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An unexpected error in the checker ends the run on screen: no "checking…" left, and
    the previous run's counterexample is gone."""
    import sim

    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_simulator(pilot)
        assert screen.query_one("#steps", DataTable).row_count > 0  # the first run's trace

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("model bug")

        monkeypatch.setattr(sim, "check", broken)
        await pilot.press("r")
        await settle(pilot)
        status = str(screen.query_one("#sim-status", Static).render())
        assert "the check failed: model bug" in status
        title = str(screen.query_one("#claims-title", Static).render())
        assert title == "current: no result   reversed: no result"
        assert screen.query_one("#steps", DataTable).row_count == 0


async def test_mode_and_run_keys_work_while_a_number_box_has_focus() -> None:
    """The era box takes digits and dots only; r runs and h goes to History from inside it."""
    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_simulator(pilot)
        era = await type_era(pilot, screen, "6.1", "x")
        assert era.value == "6.1"
        await pilot.press("r")
        await settle(pilot)
        assert screen.results["current"].profile.era == (6, 1)
        era.focus()
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)


async def test_f_shows_the_facts_of_a_step_with_their_commits() -> None:
    """The fact viewer answers a citation from the workbench's own tables."""
    from workbench.dialogs.fact import FactScreen, fact_text

    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_simulator(pilot)
        steps = screen.query_one("#steps", DataTable)
        steps.focus()
        await settle(pilot)
        step = screen.query_one(StepTable).trace[0]
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FactScreen)
        body = str(app.screen.query_one("#fact-body", Static).render())
        assert body.startswith(step.event.fact + "  ") and "where:" in body
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
    assert "F7.11" in fact_text(("F7.11",)) and "commit:   b1e428615f15" in fact_text(("F7.11",))
    assert "landmark: destroy-devices 07f0a7bdec5c" in fact_text(("F1.2",))
    assert fact_text(("F99.1",)) == "F99.1: no such fact in this workbench"


async def test_failure_reason_and_violating_step_on_screen() -> None:
    """powerpc-e500 reversed: the trace title says why no-uaf fails, as the CLI does, and
    the last step — the one whose state breaks it — is marked and explained."""
    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_simulator(pilot)
        screen.query_one("#arch", Select).value = "powerpc-e500"
        await pilot.press("r")
        await settle(pilot)
        claim = screen.results["reversed"].claim("no-uaf")
        screen.show_claim("reversed", claim)
        await settle(pilot)
        title = str(screen.query_one("#trace-title", Static).render())
        assert f"no-uaf under reversed: FAILS — {claim.reason}" in title
        assert "use after free: openpic" in title
        steps = screen.query_one("#steps", DataTable)
        marks = [str(steps.get_row_at(i)[0]) for i in range(steps.row_count)]
        assert marks[-1] == f"⇒{len(claim.trace)}" and not any("⇒" in m for m in marks[:-1])
        steps.focus()
        steps.move_cursor(row=steps.row_count - 1)
        await settle(pilot)
        body = str(screen.query_one("#step-body", Static).render())
        assert body.startswith(f"⇒ breaks no-uaf: {claim.reason}")
        status = str(screen.query_one("#sim-status", Static).render())
        assert "the swap changes " in status and "no-uaf" in status


async def test_results_turn_stale_when_an_input_changes_and_fresh_on_rerun() -> None:
    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_simulator(pilot)
        title = screen.query_one("#claims-title", Static)
        assert "stale" not in str(title.render())
        screen.query_one("#arch", Select).value = "x86"
        await settle(pilot)
        assert "stale: inputs changed" in str(title.render())
        assert str(screen.query_one("#trace-title", Static).render()).startswith("[stale] ")
        screen.query_one("#arch", Select).value = "s390"  # back to what was checked
        await settle(pilot)
        assert "stale" not in str(title.render())
        screen.query_one("#toggles").focus()
        await pilot.press("enter")  # a toggle takes its next value
        await settle(pilot)
        assert "stale: inputs changed" in str(title.render())
        await pilot.press("r")
        await settle(pilot)
        assert "stale" not in str(title.render())


async def test_a_toggle_shows_what_it_assumes_and_the_evidence() -> None:
    from sim.toggles import TOGGLES

    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_simulator(pilot)
        await pilot.press("t", "down")
        await settle(pilot)
        toggle = TOGGLES[1]
        body = str(screen.query_one("#step-body", Static).render())
        assert body.startswith(f"{toggle.name} = {toggle.default}")
        assert toggle.question in body and "evidence for the default:" in body
        await pilot.press("f")
        await settle(pilot)
        fact_body = str(app.screen.query_one("#fact-body", Static).render())
        assert fact_body.startswith(toggle.fact + "  ")


async def test_era_features_dialog_lists_every_feature_of_the_checked_profile() -> None:
    from sim.eras import FEATURES
    from workbench.dialogs.features import FeatureScreen

    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_simulator(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, FeatureScreen)
        body = str(app.screen.query_one("#features-body", Static).render())
        profile = screen.results["current"].profile
        for feature in FEATURES:
            state = "present" if feature.name in profile.features else "absent"
            assert f"{state:<8} {feature.name} — " in body
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_80x24_keeps_verdicts_and_run_in_view_and_swaps_panes_in() -> None:
    """On a narrow, short terminal both orders' verdicts of every claim and the Run button
    are on screen; t and i bring the toggles and the inspector in and give the place back."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_simulator(pilot)
        assert screen.has_class("-narrow") and screen.has_class("-short")
        claims = screen.query_one("#claims", DataTable)
        region = claims.region
        assert region.height >= claims.row_count + 1  # header and every claim row
        assert [str(c.label) for c in claims.columns.values()][:3] == \
            ["claim", "current", "reversed"]
        assert sum(c.get_render_width(claims) for c in list(claims.columns.values())[:3]) \
            <= region.width
        run = screen.query_one("#run")
        assert run.region.right <= 80 and run.region.height == 1
        assert screen.query_one("#steps").region.height >= 4
        await pilot.press("t")
        await settle(pilot)
        assert screen.query_one("#toggles").region.height > 0 and claims.region.height == 0
        await pilot.press("t")
        await settle(pilot)
        assert claims.region.height > 0 and screen.query_one("#toggles").region.height == 0
        await pilot.press("i")
        await settle(pilot)
        assert screen.query_one("#inspector").region.width == 80 - 0
        assert screen.query_one("#steps").region.height == 0
