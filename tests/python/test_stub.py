"""The type stub (nst/__init__.pyi) lists the parameters the functions really take."""

import ast
import inspect
import pathlib

import pytest

import nst

STUB = pathlib.Path(nst.__file__).with_name("__init__.pyi")


def stub_functions():
    tree = ast.parse(STUB.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("name", ["stylize", "invert", "score", "plan", "load_weights", "read_image", "write_image",
                                  "defaults"])
def test_stub_parameters_are_the_signatures(name):
    node = stub_functions()[name]
    stubbed = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
    assert stubbed == list(inspect.signature(getattr(nst, name)).parameters)


def test_stub_names_every_public_name():
    tree = ast.parse(STUB.read_text())
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert set(nst.__all__) <= names


def test_stub_judge_init_is_the_signature():
    tree = ast.parse(STUB.read_text())
    judge = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Judge")
    init = next(n for n in judge.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    stubbed = [a.arg for a in init.args.args + init.args.kwonlyargs]
    assert stubbed == list(inspect.signature(nst.Judge.__init__).parameters)
