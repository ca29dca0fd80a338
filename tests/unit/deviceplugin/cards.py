"""Card profiles for tests, shaped like catalog entries but independent of the catalog's data."""

from accelfleet.deviceplugin.profile import CardProfile

ASCEND = CardProfile(
    name="huawei-ascend-910b",
    vendor="Huawei",
    resource_name="huawei.com/Ascend910",
    visible_devices_env="ASCEND_VISIBLE_DEVICES",
    device_nodes=("/dev/davinci{index}", "/dev/davinci_manager", "/dev/devmm_svm"),
    link_group_size=4,
)
HYGON = CardProfile(
    name="hygon-bw1000",
    vendor="Hygon",
    resource_name="hygon.com/hcu",
    device_nodes=("/dev/kfd", "/dev/dri/card{index}"),
)
