"""``make bench`` (``python -m bench``): what users feel, measured beside a baseline taken in
the same run, because this machine is shared and noisy: medians and ratios, never a lone
absolute time. See docs/performance.md for the targets, the figures and the cost model."""
