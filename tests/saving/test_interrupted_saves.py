"""kill -9 during saves: the file is always the old or the new one, and no temporary file
survives the next save into its folder.

A child process saves a model (``model.save``), its weights (``save_weights``) and a CSV log
(``CSVLogger``) in a loop, each generation numbered; the parent kills it with SIGKILL at a
random moment, checks every file, and starts the next child. The default suite runs a few
kills; ``TRAINLAB_KILLS=100`` (or more) is the long mode.
"""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import trainlab as keras
from trainlab.atomic import TEMPORARY_SUFFIX
from trainlab.saving import load_model

KILLS = int(os.environ.get("TRAINLAB_KILLS", "4"))

CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    import trainlab as keras
    from trainlab.callbacks import CSVLogger
    from trainlab.saving import save_model

    folder, generation = sys.argv[1], int(sys.argv[2])
    keras.utils.set_random_seed(generation)
    # About 4 MB of weights and 8 MB of Adam slots: each save takes a while, so kills land inside it.
    model = keras.Sequential([keras.layers.Dense(800, input_shape=[600]), keras.layers.Dense(4)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((8, 600)), np.ones((8, 4)), epochs=1, verbose=0)
    logger = CSVLogger(folder + "/log.csv", append=True)
    logger.on_train_begin({})
    print("ready", flush=True)
    while True:
        print("start", generation, flush=True)
        save_model(model, folder + "/model.keras", training_state={"generation": generation})
        model.save_weights(folder + "/weights.zip")
        logger.on_epoch_end(generation, {"generation": generation})
        print("done", generation, flush=True)
        generation += 1
""")


def run_child_and_kill(script, folder, generation, rng):
    """Start a saving child, kill -9 it at a random moment; returns the generations it started
    and the ones it finished."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    child = subprocess.Popen([sys.executable, str(script), str(folder), str(generation)], stdout=subprocess.PIPE,
                             text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 1.5))
    finally:
        child.send_signal(signal.SIGKILL)
        # Read through the buffered stream: readline may already hold lines read ahead, which
        # communicate(timeout=...) would skip (it reads the pipe's file descriptor directly).
        output = child.stdout.read()
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    lines = [line.split() for line in output.splitlines()]
    return ([int(n) for word, n in lines if word == "start"], [int(n) for word, n in lines if word == "done"])


def test_kill_during_saves_leaves_old_or_new_files_and_no_litter(tmp_path):
    script = tmp_path / "saver.py"
    script.write_text(CHILD)
    folder = tmp_path / "out"
    folder.mkdir()
    rng = np.random.default_rng(0)
    generation, last_done, mid_write, unfinished = 0, None, 0, []
    for _ in range(KILLS):
        started, done = run_child_and_kill(script, folder, generation, rng)
        last_done = done[-1] if done else last_done
        # Generations started but never reported done: a child may be killed after its rename and
        # before it prints "done", so any of them may be the file's content.
        unfinished = [g for g in unfinished + started if last_done is None or g > last_done]
        mid_write += bool([n for n in os.listdir(folder) if n.endswith(TEMPORARY_SUFFIX)])
        if last_done is not None:
            # The model file is the last finished generation or one written after it.
            saved = load_model(folder / "model.keras").training_state["generation"]
            assert saved in (last_done, *unfinished)
            keras.Sequential([keras.layers.Dense(800, input_shape=[600]), keras.layers.Dense(4)]).load_weights(
                folder / "weights.zip")
            rows = (folder / "log.csv").read_text().splitlines()
            assert rows[0] == "epoch,generation" and all(len(row.split(",")) == 2 for row in rows[1:])
        generation = max(started, default=generation) + 1
    model = keras.Sequential([keras.layers.Dense(2, input_shape=[3])])
    model.save(folder / "model.keras")  # the next save into the folder removes every orphan
    assert [n for n in os.listdir(folder) if n.endswith(TEMPORARY_SUFFIX)] == []
    assert load_model(folder / "model.keras").count_params() == 8
    print(f"{KILLS} kills, {mid_write} left a temporary file behind, 0 after the next save")
