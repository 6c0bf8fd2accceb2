"""The annotation loop: store -> passages to label -> checked labels -> agreement -> training data.

* :mod:`~cdtext.annotation.sample` — :func:`annotate` draws passages with known inclusion probabilities;
* :mod:`~cdtext.annotation.labelfile` — label files (inline and stand-off), parsed and checked;
* :mod:`~cdtext.annotation.resolve` — stand-off references -> passage text, hash-checked;
* :mod:`~cdtext.annotation.agreement` — Krippendorff's alpha and disagreements between annotators;
* :mod:`~cdtext.annotation.estimate` — prevalence from a labelled sample, reweighted by its design;
* :mod:`~cdtext.annotation.api` — :func:`read_labels`, :func:`check_labels`, :func:`agreement`, :func:`consensus`.
"""
