"""The built-in catalog of real card models, every figure traceable to a public source.

A figure no source published stays ``None``: the placement engine then refuses to match a
capability filter on it rather than guess. Figures that are estimates, or whose sources disagree,
say so in the ``accelfleet.io/notes`` annotation so that ``kubectl describe`` shows the caveat.
"""

from __future__ import annotations

from typing import Any

from accelfleet.api.accelcard import AccelCard, AccelCardSpec, CardInterconnect, PeakTFLOPS
from accelfleet.api.common import ObjectMeta
from accelfleet.api.names import ANNOTATION_SOURCE, GROUP

ANNOTATION_NOTES = f"{GROUP}/notes"

_ARTHURCHIAO = (
    "https://github.com/ArthurChiao/arthurchiao.github.io/blob/0fb7e91c997e50f699aaf9d317e0d42fd045921a/"
    "_posts/2023-10-25-gpu-data-sheets.md"
)
_HAMI_CONFIGMAP = (
    "https://github.com/Project-HAMi/HAMi/blob/4707fb02c91c545bc7343ce26dba4c32919f9a3e/"
    "charts/hami/templates/scheduler/device-configmap.yaml"
)
_HBLAS = (
    "https://github.com/wangzy0327/hblas-bench/blob/1c09a3478e4fc6909ee607e81d66953c91649fe3/DCU-bench.md"
)
_HYGON_PLUGIN = "https://github.com/HYGON-AI/k8s-hcu-device-plugin/blob/178aed6ad2ec5f43951b0dddd3dc31677ad3b8a4/README_EN.md"
_CAMBRICON_PLUGIN = (
    "https://github.com/Cambricon/cambricon-k8s-device-plugin/blob/4fe4dda61f2c1dd6b2584a65fd408cb6cf509697/"
    "device-plugin/pkg/mlu/const.go"
)
_ERNIE_XPU = "https://github.com/PaddlePaddle/ERNIE/blob/7355784ed863804a8d1970533e64ab78bd3dddf5/docs/devices/README_XPU.md"
_HAMI_KUNLUN = "https://github.com/Project-HAMi/HAMi/blob/4707fb02c91c545bc7343ce26dba4c32919f9a3e/pkg/device/kunlun/device.go"
_FLAGPERF_METAX = (
    "https://github.com/FlagOpen/FlagPerf/blob/1ea2259486c857a6d2656a001f52c6c277da98e2/"
    "training/metax/llama3_8B-megatron/README.md"
)
_SWIFT_METAX = "https://swift.readthedocs.io/en/v4.4/BestPractices/Metax-support.html"
_ERNIE_METAX = (
    "https://github.com/PaddlePaddle/ERNIE/blob/b3a289286cdf68230204443fb466a736faaee16f/"
    "docs/devices/README_METAX_GPU.md"
)
_IOTECH_S4000 = (
    "https://www.io-tech.fi/uutinen/moore-threads-julkaisi-uuden-mtt-s4000-laskentakortin-ja-kuae-"
    "intelligent-computing-center-palvelinklusterit/"
)
_ENFLAME_PLUGIN = (
    "https://github.com/EnflameTechnology/gcushare/blob/0cac9d1f52333e52d2734309df30e3e863bd5026/"
    "gcushare-device-plugin/pkg/consts/const.go"
)
_GEEKTOPIA_BIV100 = (
    "https://geektopia.es/es/technology/2021/04/05/noticias/amp/la-empresa-china-tianshu-zhixin-empieza-"
    "la-produccion-de-su-gpgpu-a-7-nm-alcanza-los-37-tflops.html"
)
_IX_PLUGIN = "https://github.com/Deep-Spark/ix-device-plugin/blob/1b517f33270baa8e24e069fbea5a835a669f8589/pkg/dpm/plugin.go"
_TOMS_BIREN = (
    "https://www.tomshardware.com/news/chinese-biren-rolls-out-new-gpus-with-77-billion-transistors-2-pflops-"
    "of-ai-performance"
)
_BIREN_PLUGIN = "https://github.com/BirenTechnology/k8s-device-plugin/blob/2c2f3e6e31438fe64a609efd0c6190da87b65436/README.md"
_JISHUZHAN = "https://jishuzhan.net/article/1872432607539499010"
_H20 = "https://willitrunai.com/es/gpus/h20-96gb"
_AIWIKI_910C = "https://aiwiki.ai/wiki/huawei_ascend_910c"

_NVIDIA_DEVICES = ["/dev/nvidia{index}", "/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"]
_ASCEND_DEVICES = ["/dev/davinci{index}", "/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc"]
_HYGON_DEVICES = ["/dev/kfd", "/dev/mkfd", "/dev/dri/card{index}"]
_CAMBRICON_DEVICES = ["/dev/cambricon_dev{index}", "/dev/cambricon_ctl"]


def _card(
    name: str,
    *,
    vendor: str,
    model: str,
    resource_name: str,
    sources: list[str],
    memory_gib: int | None = None,
    tflops: dict[str, float] | None = None,
    ecosystems: list[str] | None = None,
    interconnect: dict[str, Any] | None = None,
    visible_devices_env: str | None = None,
    device_nodes: list[str] | None = None,
    notes: str | None = None,
) -> AccelCard:
    annotations = {ANNOTATION_SOURCE: " ".join(sources)}
    if notes:
        annotations[ANNOTATION_NOTES] = notes
    return AccelCard(
        metadata=ObjectMeta(
            name=name, labels={"app.kubernetes.io/part-of": "accelfleet"}, annotations=annotations
        ),
        spec=AccelCardSpec(
            vendor=vendor,
            model=model,
            resource_name=resource_name,
            memory_gib=memory_gib,
            peak_tflops=PeakTFLOPS(**(tflops or {})),
            ecosystems=ecosystems or [],
            interconnect=CardInterconnect(**(interconnect or {})),
            visible_devices_env=visible_devices_env,
            device_nodes=device_nodes or [],
        ),
    )


def builtin_cards() -> list[AccelCard]:
    """Every card model accelfleet knows out of the box, in catalog order (vendor, then model)."""
    return [
        _card(
            "huawei-ascend-910b",
            vendor="Huawei",
            model="Ascend 910B",
            resource_name="huawei.com/Ascend910",
            memory_gib=64,
            tflops={"fp16": 320},
            ecosystems=["cann"],
            interconnect={"name": "HCCS", "link_group_size": 8, "bandwidth_gbps": 392},
            visible_devices_env="ASCEND_VISIBLE_DEVICES",
            device_nodes=_ASCEND_DEVICES,
            sources=[_ARTHURCHIAO, _HAMI_CONFIGMAP],
            notes="BF16 not published separately from FP16 320; the 910B4 SKU has 32 GiB.",
        ),
        _card(
            "huawei-ascend-910c",
            vendor="Huawei",
            model="Ascend 910C",
            resource_name="huawei.com/Ascend910",
            memory_gib=128,
            tflops={"bf16": 780},
            ecosystems=["cann"],
            interconnect={"name": "UnifiedBus", "bandwidth_gbps": 784},
            visible_devices_env="ASCEND_VISIBLE_DEVICES",
            device_nodes=_ASCEND_DEVICES,
            sources=[_AIWIKI_910C, _HAMI_CONFIGMAP],
            notes="Estimate: BF16 derived by analysts from CloudMatrix 384 (300 PFLOPS / 384); no datasheet.",
        ),
        _card(
            "hygon-k100-ai",
            vendor="Hygon",
            model="DCU K100-AI",
            resource_name="hygon.com/hcu",
            memory_gib=64,
            tflops={"bf16": 196, "fp16": 196, "fp32": 49},
            ecosystems=["dtk"],
            interconnect={"name": "xGMI"},
            device_nodes=_HYGON_DEVICES,
            sources=[_HBLAS, _HYGON_PLUGIN],
            notes="The Hygon plugin sets no visible-devices variable; isolation is by device node.",
        ),
        _card(
            "hygon-bw1000",
            vendor="Hygon",
            model="BW1000",
            resource_name="hygon.com/hcu",
            memory_gib=64,
            tflops={"bf16": 480, "fp16": 480, "fp32": 60},
            ecosystems=["dtk"],
            interconnect={"name": "xGMI"},
            device_nodes=_HYGON_DEVICES,
            sources=[_HBLAS, _HYGON_PLUGIN],
            notes="Figures published for BW200; that BW1000 is the same part is not confirmed by Hygon.",
        ),
        _card(
            "cambricon-mlu370-x8",
            vendor="Cambricon",
            model="MLU370-X8",
            resource_name="cambricon.com/mlu",
            memory_gib=48,
            tflops={"bf16": 96, "fp16": 96, "fp32": 32},
            ecosystems=["neuware"],
            interconnect={"name": "MLU-Link", "link_group_size": 4, "bandwidth_gbps": 200},
            visible_devices_env="CAMBRICON_VISIBLE_DEVICES",
            device_nodes=_CAMBRICON_DEVICES,
            sources=["http://guangxilong.com/c/032129635H022.html", _CAMBRICON_PLUGIN],
        ),
        _card(
            "cambricon-mlu590",
            vendor="Cambricon",
            model="MLU590",
            resource_name="cambricon.com/mlu",
            ecosystems=["neuware"],
            interconnect={"name": "MLU-Link"},
            visible_devices_env="CAMBRICON_VISIBLE_DEVICES",
            device_nodes=_CAMBRICON_DEVICES,
            sources=[_CAMBRICON_PLUGIN],
            notes="No numeric specification published; memory and TFLOPS unknown.",
        ),
        _card(
            "kunlunxin-p800",
            vendor="Kunlunxin",
            model="P800",
            resource_name="kunlunxin.com/xpu",
            memory_gib=96,
            ecosystems=["xpu"],
            interconnect={"name": "XPU Link", "link_group_size": 4},
            visible_devices_env="XPU_VISIBLE_DEVICES",
            device_nodes=["/dev/xpu{index}", "/dev/xpuctrl"],
            sources=[_ERNIE_XPU, _HAMI_KUNLUN],
            notes="No official datasheet; TFLOPS unknown.",
        ),
        _card(
            "metax-c500",
            vendor="MetaX",
            model="C500",
            resource_name="metax-tech.com/gpu",
            memory_gib=64,
            ecosystems=["maca", "cuda"],
            interconnect={"name": "MetaXLink", "link_group_size": 4},
            device_nodes=["/dev/dri", "/dev/mxcd"],
            sources=[_FLAGPERF_METAX, _SWIFT_METAX],
            notes="TFLOPS unknown; no visible-devices variable published.",
        ),
        _card(
            "metax-c550",
            vendor="MetaX",
            model="C550",
            resource_name="metax-tech.com/gpu",
            memory_gib=64,
            ecosystems=["maca", "cuda"],
            interconnect={"name": "MetaXLink"},
            device_nodes=["/dev/dri", "/dev/mxcd"],
            sources=[_ERNIE_METAX],
            notes="TFLOPS unknown; no visible-devices variable published.",
        ),
        _card(
            "mthreads-mtt-s4000",
            vendor="Moore Threads",
            model="MTT S4000",
            resource_name="mthreads.com/vgpu",
            memory_gib=48,
            tflops={"bf16": 100, "fp16": 100, "fp32": 25, "int8": 200},
            ecosystems=["musa", "cuda"],
            interconnect={"name": "MTLink", "bandwidth_gbps": 240},
            visible_devices_env="MTHREADS_VISIBLE_DEVICES",
            device_nodes=["/dev/mtgpu.{index}", "/dev/dri"],
            sources=[_IOTECH_S4000],
            notes="Resource name as in HAMi; the vendor toolkit's own name is not published.",
        ),
        _card(
            "enflame-s60",
            vendor="Enflame",
            model="S60",
            resource_name="enflame.com/gcu",
            ecosystems=["topsrider"],
            visible_devices_env="ENFLAME_VISIBLE_DEVICES",
            device_nodes=["/dev/gcu{index}"],
            sources=[_ENFLAME_PLUGIN],
            notes="No specification published; memory and TFLOPS unknown.",
        ),
        _card(
            "iluvatar-bi-v100",
            vendor="Iluvatar CoreX",
            model="BI-V100",
            resource_name="iluvatar.com/gpu",
            memory_gib=32,
            tflops={"bf16": 147, "fp16": 147, "fp32": 37},
            ecosystems=["corex", "cuda"],
            interconnect={"name": "PCIe 4.0"},
            visible_devices_env="IX_VISIBLE_DEVICES",
            device_nodes=["/dev/iluvatar{index}", "/dev/itrctl"],
            sources=[_GEEKTOPIA_BIV100, _IX_PLUGIN],
        ),
        _card(
            "biren-br100",
            vendor="Biren",
            model="BR100",
            resource_name="birentech.com/gpu",
            memory_gib=64,
            tflops={"bf16": 1024, "fp32": 256, "int8": 2048},
            interconnect={"name": "BLink"},
            visible_devices_env="BR_PHY_CARDS",
            device_nodes=["/dev/biren/card_{index}"],
            sources=[_TOMS_BIREN, _BIREN_PLUGIN],
            notes="Vendor peak; whether it includes sparsity is not stated.",
        ),
        _card(
            "nvidia-a100-80g",
            vendor="NVIDIA",
            model="A100 SXM 80GB",
            resource_name="nvidia.com/gpu",
            memory_gib=80,
            tflops={"bf16": 312, "fp16": 312, "fp32": 19.5},
            ecosystems=["cuda"],
            interconnect={"name": "NVLink", "link_group_size": 8, "bandwidth_gbps": 600},
            visible_devices_env="NVIDIA_VISIBLE_DEVICES",
            device_nodes=_NVIDIA_DEVICES,
            sources=[_ARTHURCHIAO],
        ),
        _card(
            "nvidia-h100-sxm",
            vendor="NVIDIA",
            model="H100 SXM",
            resource_name="nvidia.com/gpu",
            memory_gib=80,
            tflops={"bf16": 989, "fp16": 989, "fp8": 1979, "fp32": 67},
            ecosystems=["cuda"],
            interconnect={"name": "NVLink", "link_group_size": 8, "bandwidth_gbps": 900},
            visible_devices_env="NVIDIA_VISIBLE_DEVICES",
            device_nodes=_NVIDIA_DEVICES,
            sources=[_JISHUZHAN, _ARTHURCHIAO],
        ),
        _card(
            "nvidia-h20",
            vendor="NVIDIA",
            model="H20",
            resource_name="nvidia.com/gpu",
            memory_gib=96,
            tflops={"bf16": 148, "fp16": 148, "fp8": 296, "fp32": 44},
            ecosystems=["cuda"],
            interconnect={"name": "NVLink", "link_group_size": 8, "bandwidth_gbps": 900},
            visible_devices_env="NVIDIA_VISIBLE_DEVICES",
            device_nodes=_NVIDIA_DEVICES,
            sources=[_H20, _HAMI_CONFIGMAP],
        ),
    ]


def builtin_card(name: str) -> AccelCard | None:
    return next((card for card in builtin_cards() if card.metadata.name == name), None)
