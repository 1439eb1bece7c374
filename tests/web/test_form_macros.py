"""The form macros (templates/_macros/forms.html): each control is labelled, and its hint and error
are tied to it (aria-describedby, aria-invalid), so a screen reader reads the error with the field."""
from __future__ import annotations

import pytest
from flask import get_template_attribute

from web.conftest import Tags


def _render(app, macro: str, *args, **kwargs) -> Tags:
    with app.test_request_context():
        return Tags(str(get_template_attribute("_macros/forms.html", macro)(*args, **kwargs)))


@pytest.mark.parametrize(("macro", "args", "tag"), [
    ("input", ("dueDate", "Due"), "input"),
    ("select", ("priority", "Priority", [("low", "Low"), ("high", "High")]), "select"),
    ("checkbox", ("dueDate", "Due"), "input"),
    ("textarea", ("dueDate", "Due"), "textarea"),
    ("file", ("dueDate", "Due"), "input"),
])
def test_every_control_is_labelled_and_wired_to_its_hint_and_error(app, macro, args, tag):
    name = args[0]
    plain = _render(app, macro, *args)
    control = plain.find(tag, name=name)
    assert control["id"] == f"f-{name}" and plain.find("label", for_=f"f-{name}")
    assert "aria-describedby" not in control and "aria-invalid" not in control
    assert plain.find("div", class_="field") or plain.find("div", class_="field check")

    wired = _render(app, macro, *args, errors={name: "Too late"}, hint="In the warehouse's time zone.")
    control = wired.find(tag, name=name)
    assert control["aria-describedby"] == f"h-{name} e-{name}" and control["aria-invalid"] == "true"
    assert wired.find("p", id=f"h-{name}", class_="hint") and wired.find("p", id=f"e-{name}", class_="error")
    assert any("invalid" in attrs.get("class", "").split() for tag_name, attrs in wired.tags if tag_name == "div")


def test_a_key_separates_controls_of_one_name_and_keywords_become_attributes(app):
    page = _render(app, "input", "dueDate", "Due", {"dueDate": "Not a date"}, key="dueDate-7", type="datetime-local",
                   hx_post="/x", required=True, autofocus=False, placeholder=None)
    control = page.find("input", name="dueDate")
    assert control["id"] == "f-dueDate-7" and control["aria-describedby"] == "e-dueDate-7"
    assert control["hx-post"] == "/x" and control["required"] is None  # a bare attribute
    assert "autofocus" not in control and "placeholder" not in control
    assert page.find("label", for_="f-dueDate-7") and page.find("p", id="e-dueDate-7")


def test_select_marks_the_chosen_value_or_values_and_a_blank_first(app):
    one = _render(app, "select", "status", "Status", [("open", "Open"), ("done", "Done")], "done", blank="Any")
    options = [attrs for name, attrs in one.tags if name == "option"]
    assert [o["value"] for o in options] == ["", "open", "done"] and "selected" in options[2] and "selected" not in options[1]
    many = _render(app, "select", "state", "Status", ["failed", "pending", "delivered"], ["failed", "delivered"])
    assert [o["value"] for name, o in many.tags if name == "option" and "selected" in o] == ["failed", "delivered"]


def test_radios_and_the_unchecked_value_of_a_checkbox(app):
    group = _render(app, "radios", "kind", "The file holds", [("assets", "Assets"), ("parts", "Parts")], "parts",
                    {"kind": "Pick one"})
    fieldset = group.find("fieldset")
    assert fieldset["aria-describedby"] == "e-kind" and fieldset["aria-invalid"] == "true"
    assert [attrs["value"] for name, attrs in group.tags if name == "input" and "checked" in attrs] == ["parts"]
    box = _render(app, "checkbox", "active", "Active", True, unchecked="false")
    assert [(a["type"], a["value"]) for name, a in box.tags if name == "input"] == [("checkbox", "true"), ("hidden", "false")]
    assert "checked" in box.find("input", type="checkbox")
