"""TensorBoard event files, decoded in bulk with numpy: no TensorFlow, no protobuf.

An event file is a sequence of TFRecords::

    uint64 length | uint32 masked_crc32c(length) | byte data[length] | uint32 masked_crc32c(data)

and each ``data`` is a serialized ``tensorflow.Event``. Only a handful of fields matter to a loss
curve (wall_time, step, summary.value[].{tag, simple_value, tensor, metadata}), so this package reads
the protobuf wire format itself instead of depending on ``protobuf``/``tensorboard`` (the reasons
and the measurements are in docs/tensorboard.md).

Why it is fast: a per-record Python loop costs ~3 us a record, i.e. seconds for a million scalars.
Instead the file is read into one numpy buffer and

1. the record table (offsets, lengths) is found by walking the headers, speculating that record
   lengths repeat with a short period (4 tags written step after step repeat every 4 records) and
   verifying the speculation for thousands of records with one numpy gather;
2. records of the same length that have the same *structure* as a template record (same bytes
   everywhere except the wall_time, the step varint and the value payload) are decoded together:
   one gather per 8-byte word checks the structure, a few more pull out the values;
3. CRC32C is checked in bulk too: the header CRC from a table over the few distinct lengths, the
   data CRC from the template's CRC plus per-position tables over the bytes that differ (CRC is
   linear over GF(2), so ``crc(a) ^ crc(b) == lin(a ^ b)`` for equal lengths).

Everything that does not fit the fast path (the file_version record, hparams, histograms, images,
odd layouts) goes through a general per-record decoder, which is also the reference the fast path
must agree with. Values are kept exactly as stored: a float32 widened to float64 is exact.

The package, one concern a module (each imports only modules listed above it):

- ``crc``: CRC32C, pure Python and numpy tables;
- ``wire``: the protobuf wire format of an Event (``parse_event``), stored bits to float64;
- ``result``: ``EventScalars`` and ``NotAnEventFile``;
- ``layouts``: record layouts (templates) and the process-wide cache of learned ones;
- ``session``: one file's decoding state, and step 4 (write order, tag numbering, warnings);
- ``records``: step 1, the record table (framing, lengths, header CRCs, resync, cut tails);
- ``fast``: steps 2 and 3 in bulk for records fitting a template;
- ``general``: the record-by-record decoder for the rest;
- ``reader``: the entry points and the driver (window by window for big files).

State that outlives a call: the learned layouts (``layouts.learned_layouts``, bounded, emptied
when full; each template keeps the CRC tables it built on first use) and read-only
``lru_cache`` CRC tables (``crc``). Nothing else is global.
"""

from losslog.readers.tfevents.crc import crc32c, masked_crc32c
from losslog.readers.tfevents.reader import decode, looks_like_event_file, read_file
from losslog.readers.tfevents.result import EventScalars, NotAnEventFile

__all__ = [
    "EventScalars",
    "NotAnEventFile",
    "crc32c",
    "decode",
    "looks_like_event_file",
    "masked_crc32c",
    "read_file",
]
