"""Real threads for concurrency tests: start together, collect every error, close connections."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def en_parallele(taches: list[Callable[[], None]], *, delai_s: float = 600) -> list[BaseException]:
    """Run each task in its own thread, all released at once; return what they raised."""
    erreurs: list[BaseException] = []
    depart = threading.Barrier(len(taches))

    def executer(tache: Callable[[], None]) -> None:
        try:
            depart.wait()
            tache()
        except BaseException as exc:  # collected and asserted on by the test
            erreurs.append(exc)
        finally:
            connections.close_all()

    fils = [threading.Thread(target=executer, args=(t,)) for t in taches]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=delai_s)
    return erreurs
