from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "evalorg.catalog"
    label = "catalog"
    verbose_name = "参考数据"

    def ready(self) -> None:
        from evalorg.core.reference import register

        from . import loaders

        register(20, "divisions", loaders.load_divisions)
        register(30, "occupations", loaders.load_occupations)
        register(40, "access_type_occupations", loaders.load_access_types)
        register(50, "skill_standards", loaders.load_skill_standards)
        register(60, "uscc_codes", loaders.load_uscc_codes)
