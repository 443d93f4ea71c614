"""bench: how robust are MLPs and CNNs to images that move, turn and change size?"""

__version__ = "0.1.0"
