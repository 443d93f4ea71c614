"""Generated Markdown keeps its prose lines short without changing what it renders."""

from bench.render.prose import wrap_prose


def test_long_prose_wraps_and_everything_else_stays():
    sentence = " ".join(["word"] * 60)
    table = "| " + " | ".join(["cell"] * 40) + " |"
    text = "\n".join([f"# {sentence}", sentence, f"- {sentence}", f"12. {sentence}", table,
                      "```", sentence, "```", f"![{sentence}](figures/x.png)"])
    lines = wrap_prose(text, width=50).split("\n")
    assert lines[0] == f"# {sentence}" and table in lines and lines.count(sentence) == 1
    assert f"![{sentence}](figures/x.png)" in lines
    prose = [line for line in lines if line != sentence
             and line.lstrip().startswith(("word", "- word", "12."))]
    assert prose and all(len(line) <= 50 for line in prose)
    assert "  word" in lines[lines.index(next(li for li in lines if li.startswith("- "))) + 1]
    assert " ".join(wrap_prose(sentence, width=50).split()) == sentence


def test_links_and_paths_are_never_broken():
    text = "see " + "x " * 30 + "[the details](#the-claims-in-detail) and `results/mnist/book`"
    wrapped = wrap_prose(text, width=40)
    assert "[the details](#the-claims-in-detail)" in " ".join(wrapped.split("\n"))
    assert "`results/mnist/book`" in wrapped
