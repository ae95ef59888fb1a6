"""MSCCL-IR XML (msccl-tools' `ir_to_xml`) -> one Chakra ET per GPU, for custom collectives.

Output follows the older collectiveapi converter generation (the one behind ASTRA-sim's shipped
example): SEND/RECV nodes carry comm_type (5/6, int64), comm_size (int64, bytes), comm_dst or
comm_src and comm_tag (= the threadblock's channel, int32); node ids restart at 0 per file;
GlobalMetadata holds `schema`, `input_file` (the whole XML) and `collective`.

Step mapping (every MSCCL step type; the old converter handled only s, r, rrc and nop):
  s -> SEND to tb.send          r -> RECV from tb.recv         rrc -> RECV, COMP(reduce)
  rcs -> RECV, SEND             rrs, rrcs -> RECV, COMP(reduce), SEND
  cpy -> COMP(copy)             re -> COMP(reduce)             nop -> no node
Within a step the nodes form a chain. A step depends on the previous step of its threadblock
and on its cross-threadblock dependency (depid/deps); a nop passes its own dependencies on.

Costs: a reduction reads two buffers and writes one, 3 * floor(bytes / local-mem-bw) ns; a copy
reads and writes once, 2 * floor(bytes / local-mem-bw) ns; both stored in whole microseconds
(the ET unit, truncated). The old converter hard-codes 50 B/ns; here local-mem-bw comes from the
system JSON (`--system`) or `--local-mem-bw` (GB/s = B/ns), 50 by default.
Message bytes: chunk = size / i_chunks (o_chunks when i_chunks is 0), times the step's cnt; for
all-gather `--size` is the per-rank input (as ASTRA-sim's comm_size), so chunk = size / i_chunks,
or size * ngpus / o_chunks when the algorithm is in-place (i_chunks 0).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field

from astrasim_py.chakra.attrs import int32_attr, int64_attr, string_attr
from astrasim_py.chakra.io import encode_et
from astrasim_py.chakra.schema import GlobalMetadata, Node, NodeType
from astrasim_py.chakra.workload import rank_file
from astrasim_py.errors import InputError

SCHEMA = "1.0.2-chakra.0.0.4"
DEFAULT_LOCAL_MEM_BW_GBPS = 50.0  # the old converter's hard-coded reduction bandwidth (B/ns)
STEP_NODES = {  # step type -> node kinds in order
    "s": ("send",), "r": ("recv",), "rrc": ("recv", "reduce"), "rcs": ("recv", "send"),
    "rrs": ("recv", "reduce", "send"), "rrcs": ("recv", "reduce", "send"), "cpy": ("copy",),
    "re": ("reduce",), "nop": (),
}
COLLECTIVES = ("allreduce", "allgather", "alltoall", "reduce_scatter", "reducescatter", "reduce", "broadcast")


@dataclass
class Step:
    """One `<step>` of a threadblock."""

    index: int
    kind: str
    cnt: int
    depid: int
    deps: int


@dataclass
class ThreadBlock:
    """One `<tb>`: its peers, channel and steps."""

    tb_id: int
    send: int
    recv: int
    chan: int
    steps: list[Step] = field(default_factory=list)


def _int(element, name: str, path: str, where: str, default: int | None = None) -> int:
    text = element.get(name)
    if text is None and default is not None:
        return default
    try:
        return int(text)
    except (TypeError, ValueError):
        raise InputError(f"{where}: attribute {name}={text!r} is not an integer", file=path, field=name,
                         fix="write MSCCL-IR as msccl-tools' ir_to_xml does") from None


def reduction_ns(size_bytes: int, local_mem_bw_gbps: float) -> int:
    """Local reduction of `size_bytes`: one write and two reads, each truncated to ns."""
    return 3 * int(size_bytes / local_mem_bw_gbps)


def copy_ns(size_bytes: int, local_mem_bw_gbps: float) -> int:
    """Local copy of `size_bytes`: one read and one write, each truncated to ns."""
    return 2 * int(size_bytes / local_mem_bw_gbps)


def _chunk_bytes(algo: dict, size: int, path: str) -> int:
    ngpus, coll = algo["ngpus"], algo["coll"]
    i_chunks, o_chunks = algo["i_chunks"], algo["o_chunks"]
    if coll == "allgather":
        chunk = size // i_chunks if i_chunks else size * ngpus // max(o_chunks, 1)
    else:
        chunk = size // (i_chunks or o_chunks or 1)
    if chunk <= 0:
        raise InputError(f"--size {size} B gives a chunk of 0 bytes ({i_chunks} input / {o_chunks} output "
                         "chunks)", file=path, field="size", fix="give a larger --size")
    return chunk


def convert_msccl(xml_path: str, output_prefix: str, size_bytes: int,
                  local_mem_bw_gbps: float = DEFAULT_LOCAL_MEM_BW_GBPS) -> list[str]:
    """Write `<output_prefix>.<gpu>.et` for every `<gpu>` of the XML; returns the paths."""
    if size_bytes <= 0:
        raise InputError(f"must be > 0, got {size_bytes}", field="size", fix="give the collective size in bytes")
    if local_mem_bw_gbps <= 0:
        raise InputError(f"must be > 0, got {local_mem_bw_gbps}", field="local-mem-bw", fix="give GB/s, e.g. 50")
    graphs = list(iter_msccl_graphs(xml_path, size_bytes, local_mem_bw_gbps))
    parent = os.path.dirname(os.path.abspath(output_prefix))
    if not os.path.isdir(parent):
        raise InputError("output directory does not exist", file=parent, field="output",
                         fix="create the directory first")
    paths = []
    for gpu, metadata, nodes in graphs:
        path = rank_file(output_prefix, gpu)
        tmp = path + ".tmp"
        with open(tmp, "wb") as out:
            out.write(encode_et(metadata, nodes))
        os.replace(tmp, path)  # atomic: a reader never sees half a file
        paths.append(path)
    return paths


def iter_msccl_graphs(xml_path: str, size_bytes: int, local_mem_bw_gbps: float = DEFAULT_LOCAL_MEM_BW_GBPS):
    """Yield (gpu id, GlobalMetadata, nodes) per `<gpu>`, streaming the XML one GPU at a time."""
    from astrasim_py.safe_io import read_text

    text = read_text(xml_path, "MSCCL-IR XML", max_bytes=None)  # regular file (not a FIFO), UTF-8
    algo: dict = {}
    seen: list[int] = []
    tbs: list[ThreadBlock] = []
    gpu_attrs: dict = {}
    try:
        for event, element in ElementTree.iterparse(xml_path, events=("start", "end")):
            tag = element.tag
            if event == "start" and tag == "algo":
                algo = _algo_attrs(element, xml_path)
            elif event == "start" and tag == "gpu":
                if not algo:
                    raise InputError("<gpu> outside <algo>", file=xml_path, field="gpu",
                                     fix="the root element of MSCCL-IR is <algo>")
                gpu_attrs = {name: _int(element, name, xml_path, "<gpu>") for name in ("id",)}
                for name in ("i_chunks", "o_chunks", "s_chunks"):
                    gpu_attrs[name] = _int(element, name, xml_path, f"<gpu id={gpu_attrs['id']}>", 0)
                tbs = []
            elif event == "end" and tag == "tb":
                tbs.append(_threadblock(element, gpu_attrs.get("id", -1), xml_path))
                element.clear()
            elif event == "end" and tag == "gpu":
                gpu = gpu_attrs["id"]
                if gpu in seen:
                    raise InputError(f"<gpu id={gpu}> appears twice", file=xml_path, field="gpu.id",
                                     fix="one <gpu> per rank")
                seen.append(gpu)
                sizes = {**algo, "i_chunks": gpu_attrs["i_chunks"], "o_chunks": gpu_attrs["o_chunks"]}
                chunk = _chunk_bytes(sizes, size_bytes, xml_path)
                nodes = _gpu_nodes(gpu, tbs, algo["ngpus"], chunk, local_mem_bw_gbps, xml_path)
                metadata = GlobalMetadata()
                metadata.attr.extend([string_attr("schema", SCHEMA), string_attr("input_file", text),
                                      string_attr("collective", algo["coll"])])
                yield gpu, metadata, nodes
                element.clear()
    except ElementTree.ParseError as exc:
        raise InputError(f"not well-formed XML: {exc}", file=xml_path, field="input",
                         fix="pass MSCCL-IR XML as msccl-tools writes it") from None
    if not algo:
        raise InputError("no <algo> element", file=xml_path, field="algo", fix="pass an MSCCL-IR XML file")
    if sorted(seen) != list(range(algo["ngpus"])):
        raise InputError(f"ngpus is {algo['ngpus']} but the <gpu> ids are {sorted(seen)}", file=xml_path,
                         field="ngpus", fix="give one <gpu> for each id 0..ngpus-1")


def _algo_attrs(element, path: str) -> dict:
    coll = (element.get("coll") or "").strip().lower()
    if coll not in COLLECTIVES:
        raise InputError(f"coll={element.get('coll')!r} is not a collective the converter knows", file=path,
                         field="coll", fix="use allreduce, allgather, alltoall, reduce_scatter, reduce or broadcast")
    ngpus = _int(element, "ngpus", path, "<algo>")
    if ngpus < 1:
        raise InputError(f"ngpus is {ngpus}", file=path, field="ngpus", fix="give the number of GPUs (>= 1)")
    return {"coll": coll, "ngpus": ngpus, "name": element.get("name", "")}


def _threadblock(element, gpu: int, path: str) -> ThreadBlock:
    where = f"gpu {gpu} <tb id={element.get('id')}>"
    tb = ThreadBlock(_int(element, "id", path, where), _int(element, "send", path, where),
                     _int(element, "recv", path, where), _int(element, "chan", path, where, 0))
    for step in element.findall("step"):
        index_text = step.get("s", step.get("step"))
        kind = (step.get("type") or "").strip()
        swhere = f"{where} <step s={index_text}>"
        if kind not in STEP_NODES:
            raise InputError(f"{swhere}: unknown step type {kind!r}", file=path, field="type",
                             fix="use s, r, rrc, rcs, rrs, rrcs, cpy, re or nop")
        if index_text is None:
            raise InputError(f"{swhere}: no step index", file=path, field="s", fix='give s="N"')
        index = _int(step, "s" if step.get("s") is not None else "step", path, swhere)
        tb.steps.append(Step(index, kind, _int(step, "cnt", path, swhere, 1),
                             _int(step, "depid", path, swhere, -1), _int(step, "deps", path, swhere, -1)))
    return tb


def _gpu_nodes(gpu: int, tbs: list[ThreadBlock], ngpus: int, chunk: int, lmbw: float, path: str) -> list:
    by_id = {tb.tb_id: tb for tb in tbs}
    if len(by_id) != len(tbs):
        raise InputError(f"gpu {gpu}: two <tb> elements share an id", file=path, field="tb.id",
                         fix="number the threadblocks of a GPU uniquely")
    nodes: list = []
    step_nodes: dict[tuple[int, int], list[int]] = {}  # (tb, step) -> node ids of that step
    for tb in tbs:
        for position, step in enumerate(tb.steps):
            where = f"gpu {gpu} tb {tb.tb_id} step {step.index}"
            if step.index != position:
                raise InputError(f"{where}: steps must be numbered 0, 1, ... in order (found {step.index} at "
                                 f"position {position})", file=path, field="s", fix="renumber the steps")
            ids = []
            size = chunk * step.cnt
            for kind in STEP_NODES[step.kind]:
                nid = len(nodes)
                if kind == "send":
                    nodes.append(_message(nid, f"COMM_SEND_NODE_tb{tb.tb_id}_step{step.index}", True, tb.send,
                                          size, tb.chan, gpu, ngpus, where, path))
                elif kind == "recv":
                    nodes.append(_message(nid, f"COMM_RECV_NODE_tb{tb.tb_id}_step{step.index}", False, tb.recv,
                                          size, tb.chan, gpu, ngpus, where, path))
                else:
                    ns = reduction_ns(size, lmbw) if kind == "reduce" else copy_ns(size, lmbw)
                    nodes.append(Node(id=nid, name=f"COMP_NODE_tb{tb.tb_id}_step{step.index}",
                                      type=NodeType.COMP_NODE, duration_micros=ns // 1000))
                if ids:
                    nodes[nid].data_deps.append(ids[-1])
                ids.append(nid)
            step_nodes[(tb.tb_id, step.index)] = ids
    effective: dict[tuple[int, int], frozenset[int]] = {}
    visiting: set[tuple[int, int]] = set()

    def deps_of(tb: ThreadBlock, step: Step) -> frozenset[int]:
        # What a step waits for: its threadblock's previous step and its cross-tb dependency.
        out: set[int] = set()
        if step.index > 0:
            out |= finished(tb.tb_id, step.index - 1)
        if step.depid >= 0:
            other = by_id.get(step.depid)
            if other is None or not 0 <= step.deps < len(other.steps):
                raise InputError(f"gpu {gpu} tb {tb.tb_id} step {step.index}: depends on tb {step.depid} step "
                                 f"{step.deps}, which does not exist", file=path, field="depid",
                                 fix="depid/deps must name a step of another threadblock of the same GPU")
            out |= finished(step.depid, step.deps)
        return frozenset(out)

    def finished(tb_id: int, index: int) -> frozenset[int]:
        # The node(s) whose completion means step (tb, index) is done; a nop passes on its own deps.
        key = (tb_id, index)
        if key in effective:
            return effective[key]
        ids = step_nodes[key]
        if ids:
            result = frozenset((ids[-1],))
        else:
            if key in visiting:
                raise InputError(f"gpu {gpu}: dependency cycle through nop steps at tb {tb_id} step {index}",
                                 file=path, field="depid", fix="dependencies must form a DAG")
            visiting.add(key)
            tb = by_id[tb_id]
            result = deps_of(tb, tb.steps[index])
            visiting.discard(key)
        effective[key] = result
        return result

    for tb in tbs:
        for step in tb.steps:
            ids = step_nodes[(tb.tb_id, step.index)]
            if ids:
                nodes[ids[0]].data_deps.extend(sorted(deps_of(tb, step)))
    _check_acyclic(nodes, gpu, path)
    return nodes


def _message(nid: int, name: str, is_send: bool, peer: int, size: int, chan: int, gpu: int, ngpus: int,
             where: str, path: str):
    role = "send" if is_send else "recv"
    if not 0 <= peer < ngpus or peer == gpu:
        raise InputError(f"{where}: the threadblock's {role} peer is {peer}, not another GPU of 0..{ngpus - 1}",
                         file=path, field=role, fix=f"a step that {role}s needs a <tb {role}=\"PEER\">")
    node = Node(id=nid, name=name, type=NodeType.COMM_SEND_NODE if is_send else NodeType.COMM_RECV_NODE)
    node.attr.extend([int64_attr("comm_type", node.type), int64_attr("comm_size", size),
                      int32_attr("comm_dst" if is_send else "comm_src", peer), int32_attr("comm_tag", chan)])
    return node


def _check_acyclic(nodes: list, gpu: int, path: str) -> None:
    pending = [len(set(n.data_deps)) for n in nodes]
    children: list[list[int]] = [[] for _ in nodes]
    for n in nodes:
        for parent in set(n.data_deps):
            children[parent].append(n.id)
    ready = [i for i, count in enumerate(pending) if count == 0]
    seen = 0
    while ready:
        i = ready.pop()
        seen += 1
        for child in children[i]:
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)
    if seen != len(nodes):
        stuck = [nodes[i].name for i, count in enumerate(pending) if count > 0]
        raise InputError(f"gpu {gpu}: dependency cycle among {', '.join(stuck[:6])}"
                         + (" ..." if len(stuck) > 6 else ""), file=path, field="depid",
                         fix="cross-threadblock dependencies (depid/deps) must form a DAG with the step order")


def add_arguments(conv) -> None:
    """The `chakra convert` options only --input-type msccl uses."""
    conv.add_argument("--size", help="msccl: collective size in bytes (1048576, 1MiB); all-gather: per rank")
    conv.add_argument("--local-mem-bw", type=float, help="msccl: reduction bandwidth in GB/s (default 50)")
    conv.add_argument("--system", help="msccl: take local-mem-bw from this system JSON")


def cli_convert(args) -> int:
    """`chakra convert --input-type msccl`: the CLI entry (args from astrasim_py/chakra/cli.py)."""
    from astrasim_py.chakra.units import parse_size

    if args.size is None:
        raise InputError("--input-type msccl needs --size", field="size",
                         fix="give the collective size in bytes, e.g. --size 1MiB")
    size = parse_size(args.size, field="size")
    lmbw = DEFAULT_LOCAL_MEM_BW_GBPS
    if args.system and args.local_mem_bw is not None:
        raise InputError("give --system or --local-mem-bw, not both", field="local-mem-bw",
                         fix="drop one of them")
    if args.system:
        from astrasim_py.config.system import load_system

        lmbw = load_system(args.system).local_mem_bw
    elif args.local_mem_bw is not None:
        lmbw = float(args.local_mem_bw)
    paths = convert_msccl(args.input, args.output, size, lmbw)
    print(f"wrote {len(paths)} rank files {args.output}.<0..{len(paths) - 1}>.et "
          f"(reductions at {lmbw:g} GB/s local memory bandwidth)")
    return 0
