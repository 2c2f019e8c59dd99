from flask_smorest import Blueprint

from app.notifications import schemas, service

blp = Blueprint("client_config", __name__, url_prefix="/api/v1", description="小程序配置")


@blp.route("/client-config")
@blp.response(200, schemas.ClientConfigOut)
def client_config():
    """小程序启动配置：订阅消息模板 ID（与服务端发送时使用的相同，小程序据此请求用户授权；无需登录）"""
    return service.client_config()
