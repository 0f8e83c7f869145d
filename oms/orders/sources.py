from enum import Enum


class OrderSource(str, Enum):
    WEB = "WEB"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    MARKETPLACE = "MARKETPLACE"
    STORE = "STORE"
    SOCIAL = "SOCIAL"
    API = "API"
    IMPORT = "IMPORT"


class PaymentStatus(str, Enum):
    PENDING = "PENDING"
    AUTHORIZED = "AUTHORIZED"
    CAPTURED = "CAPTURED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"
    FAILED = "FAILED"
