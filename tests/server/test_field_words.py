"""Every field of every form and request model of the server has the words its error messages name it by
(server.field_words): found by walking the models of server.routes and server.services, so a new form
field without words fails here, not in front of a pharmacist as "dose_g_per_kg: ..."."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import server.routes
import server.services
from pydantic import BaseModel

from server.field_words import FIELD_WORDS, worded


def request_models() -> list[type[BaseModel]]:
    found = []
    for package in (server.routes, server.services):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            found += [cls for cls in vars(module).values() if inspect.isclass(cls) and issubclass(cls, BaseModel)
                      and cls.__module__ == module.__name__]
    return found


def test_every_field_of_every_request_model_has_words() -> None:
    models = request_models()
    assert len(models) > 15
    missing = {f"{model.__module__}.{model.__name__}.{name}" for model in models for name in model.model_fields
               if name not in FIELD_WORDS}
    assert missing == set()


def test_a_message_is_worded_only_where_it_names_its_own_field() -> None:
    assert worded("dose_g_per_kg: Input should be greater than 0", "dose_g_per_kg") == \
        "Dose (g/kg): Input should be greater than 0"
    assert worded("Premedication 2, dose: Input should be", "premeds.1.dose") == "Premedication 2, dose: Input should be"
    assert worded("nickname: too long", "nickname") == "nickname: too long"  # no words: the name, never hidden
