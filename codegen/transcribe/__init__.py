"""Transcription of the PDF-extracted API references (../shared/seeds) into models/*.json.

The references are the source of the models; the transcription does the mechanical part
(sections, members, ``Type:``, constraints, errors, HTTP bindings, documentation) and then
applies a small, explicit layer of hand corrections. Each stage is one module:

1. :mod:`~codegen.transcribe.clean`: the text -> paragraphs (page furniture removed);
2. :mod:`~codegen.transcribe.parse`: paragraphs -> operations, data types, errors, as the
   text says them;
3. :mod:`~codegen.transcribe.correct`: the hand corrections applied (where the wire,
   botocore's model, decides what the text does not say or says wrong);
4. :mod:`~codegen.transcribe.write`: members -> named shapes;

and :mod:`~codegen.transcribe.build` runs them in order for one service. What is written
by hand for a service (its corrections with their reasons, shape names, metadata,
pagination) is data in :mod:`codegen.transcribe.services`, one module per service; the
corrections print as the decision table of models/README.md (``--decisions``).

``python -m codegen.transcribe --help`` for the command line.
"""
